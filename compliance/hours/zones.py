"""Where is the debtor? The time zones a contact must be convenient in, and their country.

Without a time zone on record, the debtor may be in any zone their phone number
indicates **and** any zone their postal address indicates: Reg F's commentary (12 CFR
1006.6(b)(1)(i)) asks for a time convenient in every location indicated (an Eastern
mobile and a Pacific address: 11:00-21:00 Eastern). An address in the US or Canada is
placed by its state or province (``regions.toml``); elsewhere by every zone of its country.
"""

from __future__ import annotations

import functools
import importlib.resources
import tomllib
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import timezone as phone_timezones

__all__ = [
    "DebtorLocation",
    "UnknownLocation",
    "address_zones",
    "country_of",
    "debtor_zones",
    "locate",
    "region_zones",
    "zones_of_country",
]

# A letter's or visit's destination is its address key, "addr:<country>:<digest>".
ADDRESS_PREFIX = "addr:"

_UNKNOWN_ZONE = "Etc/Unknown"  # what phonenumbers answers when it cannot tell


class UnknownLocation(Exception):
    """Neither the debtor's record nor the destination says where the debtor is."""


@dataclass(frozen=True)
class DebtorLocation:
    """The zones to check, where they came from in a word, and per zone its sources."""

    zones: tuple[str, ...]
    source: str  # "debtor record", "phone number", "phone number and address", ...
    origins: dict[str, list[str]] = field(default_factory=dict)  # zone → its sources


def locate(
    destination: str,
    debtor_time_zone: str | None,
    *,
    address_country: str | None = None,
    address_region: str | None = None,
) -> DebtorLocation:
    """Every zone the debtor may be in. The zone on record wins; otherwise the union of
    the number's zones (an Idaho number: Boise and Los Angeles) and the address's."""
    if debtor_time_zone:
        return DebtorLocation((debtor_time_zone,), "debtor record", {debtor_time_zone: ["record"]})
    found: list[tuple[str, tuple[str, ...]]] = []
    if destination.startswith(ADDRESS_PREFIX):
        # No finer location than the country without a postcode-to-zone table: strict.
        return _located([("address country", zones_of_country(country_of(destination)))])
    number_problem = None
    try:
        found.append(("phone number", _number_zones(destination)))
    except UnknownLocation as exc:
        number_problem = exc
    if address_country:
        zones, how = address_zones(address_country, address_region)
        found.append((how, zones))
    if not found:
        assert number_problem is not None
        raise number_problem
    return _located(found)


def debtor_zones(
    destination: str,
    debtor_time_zone: str | None,
    *,
    address_country: str | None = None,
    address_region: str | None = None,
) -> tuple[tuple[str, ...], str]:
    """The zones to check and where they came from (see ``locate``)."""
    where = locate(
        destination,
        debtor_time_zone,
        address_country=address_country,
        address_region=address_region,
    )
    return where.zones, where.source


def address_zones(country: str, region: str | None) -> tuple[tuple[str, ...], str]:
    """The zones a postal address indicates, and how they were told ("address US-ID")."""
    zones = region_zones(country, region) if region else None
    if zones:
        return zones, f"address {country}-{region}"
    return zones_of_country(country), f"address country {country}"


def region_zones(country: str, region: str | None) -> tuple[str, ...] | None:
    """The zones of a US state or Canadian province (``regions.toml``); None: not in it."""
    if region is None:
        return None
    return _regions().get(country, {}).get(region)


def _located(found: list[tuple[str, tuple[str, ...]]]) -> DebtorLocation:
    origins: dict[str, list[str]] = {}
    for how, zones in found:
        for zone in zones:
            origins.setdefault(zone, []).append(how)
    return DebtorLocation(tuple(origins), " and ".join(how for how, _ in found), origins)


def _number_zones(destination: str) -> tuple[str, ...]:
    zones = tuple(
        z for z in phone_timezones.time_zones_for_number(_parse(destination)) if z != _UNKNOWN_ZONE
    )
    if not zones:
        raise UnknownLocation(
            f"no time zone on record for the debtor and none can be told from {destination}; "
            "record the debtor's time zone or address"
        )
    return zones


def country_of(destination: str) -> str:
    """The ISO country code of an E.164 number or an address key (e.g. "US", "CN")."""
    if destination.startswith(ADDRESS_PREFIX):
        return destination.split(":")[1]
    country = phonenumbers.region_code_for_number(_parse(destination))
    if not country:
        raise UnknownLocation(f"cannot tell the country of {destination}")
    return str(country)


# A message's number is parsed by several rules (its country for the packs, its zones for
# the hours), 25-50 µs each time; the parsed number is only read, never changed.
@functools.lru_cache(maxsize=4096)
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


@functools.cache
def _regions() -> dict[str, dict[str, tuple[str, ...]]]:
    text = importlib.resources.files("compliance.hours").joinpath("regions.toml").read_text()
    return {
        country: {region: tuple(zones) for region, zones in regions.items()}
        for country, regions in tomllib.loads(text).items()
    }
