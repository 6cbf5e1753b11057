"""The rules shipped with the dispatcher core; rule packs add more."""

from compliance.rules.opt_out import DestinationNotOptedOut
from compliance.rules.renders import RendersWithinLimit

__all__ = ["DestinationNotOptedOut", "RendersWithinLimit"]
