"""Which rule packs apply to a debtor: the debtor's record, else the country's defaults."""

from __future__ import annotations

from compliance.hours.zones import country_of
from compliance.packs import packs_for

__all__ = ["applicable_packs"]


def applicable_packs(
    *,
    destination: str,
    recorded: list[str] | None = None,
    country: str | None = None,
    region: str | None = None,
) -> tuple[str, ...]:
    """Packs named on the debtor's record; else the defaults for the debtor's country
    (from the record, or from the destination number) and region."""
    if recorded:
        return tuple(recorded)
    return packs_for(country or country_of(destination), region)
