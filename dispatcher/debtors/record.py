"""A debtor's record as the contact rules read it, checked in one place.

Every way a debtor is written — ``ContactLog.upsert_debtor`` (the Python client, the demo,
scripts) and ``PUT /v1/debtors/{ref}`` — goes through ``checked_debtor``, so the model
layer never stores what the API would refuse (an unknown time zone would otherwise reach
the rules and block every text at send time). Every problem is named in one
``InvalidRequest`` (``time_zone``, ``phones[1].type``, ``inconvenient_times[0].weekdays``).
The debtor's preferences (``dispatcher.preferences``) are checked with the rest and
returned apart, under ``preferences``: only those given, since each change is logged.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from compliance.packs import PackError, load_packs
from dispatcher.debtors.contact_data import checked_home_address, checked_phones
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.preferences.fields import checked_preferences

__all__ = ["COUNTRY", "LOCALE", "REGION", "checked_debtor"]

LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
COUNTRY = re.compile(r"[A-Z]{2}")
REGION = re.compile(r"[A-Z0-9]{1,8}")
_PATTERNS = {
    "locale": (LOCALE, "like zh-CN or en-US"),
    "country": (COUNTRY, "ISO 3166 like CN"),
    "region": (REGION, "a code like MA"),
}


def checked_debtor(
    *,
    locale: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
    region: str | None = None,
    packs: list[str] | None = None,
    agreed_contact_until: datetime | None = None,
    inconvenient_times: list[dict[str, Any]] | None = None,
    preferences: Mapping[str, Any] | None = None,
    phones: list[dict[str, Any]] | None = None,
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The record's fields as stored, or ``InvalidRequest`` naming every bad field.
    ``inconvenient_times`` is short for ``preferences={"inconvenient_times": ...}``."""
    problems: list[FieldProblem] = []
    preferences = dict(preferences or {})
    if inconvenient_times is not None:
        preferences["inconvenient_times"] = inconvenient_times
    for name, value in (("locale", locale), ("country", country), ("region", region)):
        pattern, hint = _PATTERNS[name]
        if value is not None and not pattern.fullmatch(value):
            problems.append(
                FieldProblem(
                    name,
                    f"{value!r} does not match ({hint})",
                    code="debtor.no_match",
                    params={"value": repr(value), "hint": hint},
                )
            )
    if time_zone is not None and time_zone not in _zones():
        unknown = f"unknown time zone {time_zone!r} (use an IANA name)"
        problems.append(
            FieldProblem(
                "time_zone",
                unknown,
                code="debtor.time_zone.unknown",
                params={"time_zone": repr(time_zone)},
            )
        )
    if packs is not None:
        try:
            load_packs(packs)
        except PackError as exc:
            problems.append(
                FieldProblem(
                    "packs", str(exc), code="debtor.packs.invalid", params={"message": str(exc)}
                )
            )
    if agreed_contact_until is not None and agreed_contact_until.tzinfo is None:
        problems.append(
            FieldProblem(
                "agreed_contact_until",
                "needs a time zone offset",
                code="debtor.agreed_contact_until.needs_offset",
            )
        )
    values: dict[str, Any] = {
        "locale": locale, "time_zone": time_zone, "country": country, "region": region,
        "packs": packs, "agreed_contact_until": agreed_contact_until,
    }  # fmt: skip
    checks: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("phones", lambda: checked_phones(phones, locale=locale or "")),
        ("address", lambda: checked_home_address(address)),
        ("preferences", lambda: checked_preferences(preferences)),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except InvalidRequest as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidRequest(problems)
    return values


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
