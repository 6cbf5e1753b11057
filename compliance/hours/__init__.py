"""Allowed contact hours: the rule, and the pure function that finds the next allowed instant."""

from compliance.hours.instant import (
    DEFAULT_HORIZON,
    InconvenientTime,
    first_allowed_instant,
    is_allowed,
)
from compliance.hours.rule import ContactHoursRule
from compliance.hours.zones import UnknownLocation, country_of, debtor_zones

__all__ = [
    "DEFAULT_HORIZON",
    "ContactHoursRule",
    "InconvenientTime",
    "UnknownLocation",
    "country_of",
    "debtor_zones",
    "first_allowed_instant",
    "is_allowed",
]
