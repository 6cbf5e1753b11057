"""What the fold reads from a message's stored verdict: the debtor's zone, and whether an
attempt really happened inside the allowed hours.

The second is a real check, not a copy of the gate's answer: it takes the instant the
attempt was made (its ``sending`` event; a visit's booked time) and tests it against the
window of the packs and the zones the hours rule used. An attempt whose verdict has no
allowing hours result cannot be shown to be inside the hours, so it counts as outside.
A message keeps only its latest verdict: a retried message's earlier attempts are checked
in the zones of its latest one (a debtor's zones rarely change between two attempts).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.hours.instant import is_allowed
from compliance.hours.rule import ContactHoursRule
from compliance.packs import AllowedHours, PackError, load_packs

__all__ = ["HOURS_RULE", "inside_hours", "zone_for"]

HOURS_RULE = ContactHoursRule.id


def _hours_result(verdict: dict[str, Any] | None) -> dict[str, Any] | None:
    for result in (verdict or {}).get("rules") or ():
        if isinstance(result, dict) and result.get("rule_id") == HOURS_RULE:
            return result
    return None


def zone_for(recorded: str | None, verdict: dict[str, Any] | None) -> ZoneInfo:
    """The debtor's zone: on their record, else the first the hours rule used, else UTC."""
    used = ((_hours_result(verdict) or {}).get("inputs") or {}).get("zones") or []
    for name in (recorded, *used):
        if not name:
            continue
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


@functools.lru_cache(maxsize=256)
def _allowed_hours(packs: tuple[str, ...], channel: str) -> AllowedHours | None:
    return load_packs(packs).allowed_hours(channel)


def inside_hours(verdict: dict[str, Any] | None, channel: str, instant: datetime) -> bool:
    """Whether ``instant`` lies inside the allowed hours the message's verdict applied."""
    result = _hours_result(verdict)
    if result is None or result.get("decision") != "allow":
        return False
    inputs = result.get("inputs") or {}
    if "window" not in inputs:
        return True  # no pack sets hours for this channel: every hour is allowed
    try:
        hours = _allowed_hours(tuple(inputs["packs"]), channel)
        zones = [ZoneInfo(name) for name in inputs["zones"]]
    except (PackError, KeyError, TypeError, ZoneInfoNotFoundError, ValueError):
        return False
    if hours is None:
        return True
    if hours.window is None or not zones:
        return False
    agreed = inputs.get("agreed_until")
    agreed_until = datetime.fromisoformat(agreed) if isinstance(agreed, str) else None
    return is_allowed(instant.astimezone(UTC), zones, hours.window, agreed_until=agreed_until)
