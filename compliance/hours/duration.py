"""A contact that lasts: a visit must lie inside the allowed hours for its whole length.

``whole_contact_allowed`` tests the start, every minute after it and the last instant
before the end. Windows and inconvenient times are set on whole minutes of local time,
and every zone's offset is a whole number of minutes (+05:30, +05:45, +09:30), so a
stretch that is not allowed and starts inside the contact is met by a test: it lasts a
minute or more, or it runs to the end. ``latest_start`` is what a refusal offers instead:
the latest start, on the contact's local day, whose whole length is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from compliance.hours.instant import InconvenientTime, is_allowed
from compliance.packs.model import HoursWindow

__all__ = ["latest_start", "whole_contact_allowed"]

_STEP = timedelta(minutes=1)
_TICK = timedelta(microseconds=1)


def whole_contact_allowed(
    start: datetime,
    minutes: int,
    zones: Sequence[tzinfo],
    window: HoursWindow,
    *,
    agreed_until: datetime | None = None,
    inconvenient: Sequence[InconvenientTime] = (),
) -> bool:
    """Whether every instant of ``[start, start + minutes)`` is allowed in every zone."""
    end = start + timedelta(minutes=minutes)
    instants = [start + _STEP * k for k in range(minutes)] + [end - _TICK]
    return all(
        is_allowed(t, zones, window, agreed_until=agreed_until, inconvenient=inconvenient)
        for t in instants
    )


def latest_start(
    start: datetime,
    minutes: int,
    zones: Sequence[tzinfo],
    window: HoursWindow,
    *,
    inconvenient: Sequence[InconvenientTime] = (),
) -> datetime | None:
    """The latest start on the contact's local day (in each zone) whose whole length ends
    by the window's end everywhere and is allowed; None when no start that day is."""
    ends = [
        datetime.combine(start.astimezone(zone).date(), window.end, tzinfo=zone).astimezone(UTC)
        for zone in zones
    ]
    latest = min(ends) - timedelta(minutes=minutes)
    # Walk back a minute at a time past inconvenient times, at most a day.
    for _ in range(24 * 60):
        if whole_contact_allowed(latest, minutes, zones, window, inconvenient=inconvenient):
            return latest
        latest -= _STEP
        if any(latest.astimezone(z).date() != start.astimezone(z).date() for z in zones):
            return None
    return None
