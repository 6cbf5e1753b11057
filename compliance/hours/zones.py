"""Where is the debtor? The time zones a contact must be convenient in, and their country."""

from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as phone_timezones

__all__ = ["UnknownLocation", "country_of", "debtor_zones"]

_UNKNOWN_ZONE = "Etc/Unknown"  # what phonenumbers answers when it cannot tell


class UnknownLocation(Exception):
    """Neither the debtor's record nor the destination says where the debtor is."""


def debtor_zones(destination: str, debtor_time_zone: str | None) -> tuple[tuple[str, ...], str]:
    """The zones to check and where they came from ("debtor record" or "phone number").

    The time zone on record wins; otherwise every zone the number may be in (an Idaho
    number: Boise and Los Angeles). A contact must be allowed in all of them.
    """
    if debtor_time_zone:
        return (debtor_time_zone,), "debtor record"
    zones = tuple(
        z for z in phone_timezones.time_zones_for_number(_parse(destination)) if z != _UNKNOWN_ZONE
    )
    if not zones:
        raise UnknownLocation(
            f"no time zone on record for the debtor and none can be told from {destination}; "
            "record the debtor's time zone"
        )
    return zones, "phone number"


def country_of(destination: str) -> str:
    """The ISO country code of an E.164 number (e.g. "US", "CN")."""
    country = phonenumbers.region_code_for_number(_parse(destination))
    if not country:
        raise UnknownLocation(f"cannot tell the country of {destination}")
    return str(country)


def _parse(destination: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(destination, None)
    except phonenumbers.NumberParseException as exc:
        raise UnknownLocation(f"{destination!r} is not an E.164 phone number ({exc})") from exc
