"""Allowed contact hours: the rule, and the pure function that finds the next allowed instant."""

from compliance.hours.instant import (
    DEFAULT_HORIZON,
    InconvenientTime,
    first_allowed_instant,
    is_allowed,
)
from compliance.hours.rule import ContactHoursRule
from compliance.hours.zones import (
    DebtorLocation,
    UnknownLocation,
    address_zones,
    country_of,
    debtor_zones,
    locate,
)

__all__ = [
    "DEFAULT_HORIZON",
    "ContactHoursRule",
    "DebtorLocation",
    "InconvenientTime",
    "UnknownLocation",
    "address_zones",
    "country_of",
    "debtor_zones",
    "first_allowed_instant",
    "is_allowed",
    "locate",
]
