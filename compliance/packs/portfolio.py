"""Which packs apply to a debtor, by default: the portfolio's country (and region).

A portfolio normally names its packs itself (``CheckSubject.packs``); these defaults are
what the dispatcher falls back on, and what a new portfolio starts from:

    CN        -> cn, org
    US        -> us-regf, org        (+ us-ma when the region is "MA")
    GB        -> uk, org

Any other country has no default: ``NoPacksForCountryError``, so that nothing is sent
under no rules at all. Pass ``table``/``regional`` to use another mapping.
"""

from __future__ import annotations

from collections.abc import Mapping

from compliance.packs.errors import NoPacksForCountryError

__all__ = ["DEFAULT_PACKS", "REGIONAL_PACKS", "packs_for"]

DEFAULT_PACKS: Mapping[str, tuple[str, ...]] = {
    "CN": ("cn", "org"),
    "US": ("us-regf", "org"),
    "GB": ("uk", "org"),
}
# Packs added on top of the country's for one region (ISO 3166-2 subdivision code).
REGIONAL_PACKS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("US", "MA"): ("us-ma",),
}


def packs_for(
    country: str,
    region: str | None = None,
    *,
    table: Mapping[str, tuple[str, ...]] = DEFAULT_PACKS,
    regional: Mapping[tuple[str, str], tuple[str, ...]] = REGIONAL_PACKS,
) -> tuple[str, ...]:
    """The pack ids for a debtor in ``country`` (ISO 3166-1 alpha-2) and ``region``."""
    country = country.strip().upper()
    if country not in table:
        raise NoPacksForCountryError(country, table)
    extra = regional.get((country, region.strip().upper()), ()) if region else ()
    return tuple(dict.fromkeys((*table[country], *extra)))
