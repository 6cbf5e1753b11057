"""The rules shipped with the dispatcher core; rule packs add more."""

from compliance.rules.collectors import CollectorCredentialRule
from compliance.rules.content import RequiredContentRule
from compliance.rules.holds import HOLD_KINDS, HoldsRule
from compliance.rules.renders import RendersWithinLimit
from compliance.rules.risk_flags import RiskFlagsRule

__all__ = [
    "HOLD_KINDS",
    "CollectorCredentialRule",
    "HoldsRule",
    "RendersWithinLimit",
    "RequiredContentRule",
    "RiskFlagsRule",
]
