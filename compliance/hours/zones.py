"""Where is the debtor? The time zones a contact must be convenient in, and their country."""

from __future__ import annotations

import functools
import importlib.resources

import phonenumbers
from phonenumbers import timezone as phone_timezones

__all__ = ["UnknownLocation", "country_of", "debtor_zones", "zones_of_country"]

# A letter's or visit's destination is its address key, "addr:<country>:<digest>".
ADDRESS_PREFIX = "addr:"

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
    if destination.startswith(ADDRESS_PREFIX):
        # No finer location than the country without a postcode-to-zone table: strict.
        return zones_of_country(country_of(destination)), "address country"
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
    """The ISO country code of an E.164 number or an address key (e.g. "US", "CN")."""
    if destination.startswith(ADDRESS_PREFIX):
        return destination.split(":")[1]
    country = phonenumbers.region_code_for_number(_parse(destination))
    if not country:
        raise UnknownLocation(f"cannot tell the country of {destination}")
    return str(country)


def _parse(destination: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(destination, None)
    except phonenumbers.NumberParseException as exc:
        raise UnknownLocation(f"{destination!r} is not an E.164 phone number ({exc})") from exc


@functools.cache
def zones_of_country(country: str) -> tuple[str, ...]:
    """Every time zone of a country, from the tz database's zone.tab (the tzdata package)."""
    table = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    zones = tuple(
        fields[2]
        for line in table.splitlines()
        if not line.startswith("#") and (fields := line.split("\t"))[0] == country
    )
    if not zones:
        raise UnknownLocation(f"no time zones known for country {country!r}")
    return zones
