"""A debtor's record as the contact rules read it, checked in one place.

Every way a debtor is written — ``ContactLog.upsert_debtor`` (the Python client, the demo,
scripts) and ``PUT /v1/debtors/{ref}`` — goes through ``checked_debtor``, so the model
layer never stores what the API would refuse (an unknown time zone would otherwise reach
the rules and block every text at send time). Every problem is named in one
``InvalidRequest`` (``time_zone``, ``phones[1].type``, ``inconvenient_times[0].weekdays``).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from compliance.packs import PackError, load_packs
from dispatcher.contact_data import checked_home_address, checked_phones
from dispatcher.errors import FieldProblem, InvalidRequest

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
    phones: list[dict[str, Any]] | None = None,
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The record's fields as stored, or ``InvalidRequest`` naming every bad field."""
    problems: list[FieldProblem] = []
    for name, value in (("locale", locale), ("country", country), ("region", region)):
        pattern, hint = _PATTERNS[name]
        if value is not None and not pattern.fullmatch(value):
            problems.append(FieldProblem(name, f"{value!r} does not match ({hint})"))
    if time_zone is not None and time_zone not in _zones():
        unknown = f"unknown time zone {time_zone!r} (use an IANA name)"
        problems.append(FieldProblem("time_zone", unknown))
    if packs is not None:
        try:
            load_packs(packs)
        except PackError as exc:
            problems.append(FieldProblem("packs", str(exc)))
    if agreed_contact_until is not None and agreed_contact_until.tzinfo is None:
        problems.append(FieldProblem("agreed_contact_until", "needs a time zone offset"))
    values: dict[str, Any] = {
        "locale": locale, "time_zone": time_zone, "country": country, "region": region,
        "packs": packs, "agreed_contact_until": agreed_contact_until,
    }  # fmt: skip
    checks: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("phones", lambda: checked_phones(phones, locale=locale or "")),
        ("address", lambda: checked_home_address(address)),
        ("inconvenient_times", lambda: _checked_inconvenient(inconvenient_times)),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except InvalidRequest as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidRequest(problems)
    return values


def _checked_inconvenient(times: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if times is None:
        return None
    checked = []
    for index, entry in enumerate(times):
        field = f"inconvenient_times[{index}]"
        try:
            weekdays = sorted({int(d) for d in entry["weekdays"]})
            start, end = time.fromisoformat(entry["start"]), time.fromisoformat(entry["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidRequest.of(
                field, f"needs weekdays, start and end (HH:MM): {exc}"
            ) from None
        if not weekdays or not all(0 <= d <= 6 for d in weekdays):
            raise InvalidRequest.of(f"{field}.weekdays", "must be days 0 (Monday) to 6 (Sunday)")
        checked.append({"weekdays": weekdays, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"})
    return checked


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
