"""When may we contact someone whose local time is given by several zones at once?

Pure functions over real time-zone data (``zoneinfo``): no clock, no I/O.

An instant is allowed when, in every zone, the local wall-clock time is inside the window
``[start, end)`` — or the debtor agreed to be contacted until a later instant — and, in
no zone, it falls in a time the debtor named as inconvenient.

``first_allowed_instant`` finds the earliest allowed instant at or after ``now`` exactly.
The allowed set is a union of half-open intervals of real time, so its earliest point at
or after ``now`` is ``now`` itself or the left end of an interval. A left end is where
some zone's condition turns true, which happens only where that zone's wall clock reads
the window's start or the end of an inconvenient time (either fold, across a repeated
hour), or where the zone's UTC offset changes (the clock jumps into the window). Those
instants are the candidates; they are tested in order, a day at a time, and the first
allowed one is the answer. Offset changes are found by bisection inside 6-hour steps,
which assumes a zone never changes its offset twice within 6 hours (true of tzdata for
present and future rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from compliance.packs.model import HoursWindow

__all__ = ["DEFAULT_HORIZON", "InconvenientTime", "first_allowed_instant", "is_allowed"]

# How far ahead to look before concluding the zones' windows never overlap. A year and a
# bit covers every DST season and weekday combination.
DEFAULT_HORIZON = timedelta(days=400)
_CHUNK = timedelta(days=1)
_OFFSET_STEP = timedelta(hours=6)
_RESOLUTION = timedelta(microseconds=1)


@dataclass(frozen=True)
class InconvenientTime:
    """A local time the debtor said not to contact them, e.g. weekdays 15:00-17:00.

    ``weekdays`` uses ``date.weekday()`` numbers (Monday 0 .. Sunday 6) for the day the
    window starts on. Half-open ``[start, end)``; when ``end <= start`` it runs past
    midnight into the next day (``start == end``: 24 hours, so 00:00-00:00 is the day).
    """

    weekdays: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be a non-empty set of 0..6, got {self.weekdays}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("an inconvenient time is local wall-clock time: no tzinfo")

    def covers(self, local: datetime) -> bool:
        wall, day = local.time().replace(tzinfo=None), local.weekday()
        if self.start < self.end:
            return day in self.weekdays and self.start <= wall < self.end
        return (day in self.weekdays and wall >= self.start) or (
            (day - 1) % 7 in self.weekdays and wall < self.end
        )


def is_allowed(
    instant: datetime,
    zones: Sequence[tzinfo],
    window: HoursWindow,
    *,
    agreed_until: datetime | None = None,
    inconvenient: Sequence[InconvenientTime] = (),
) -> bool:
    """Whether ``instant`` (aware) is allowed in every zone; see the module docstring."""
    locals_ = [instant.astimezone(zone) for zone in zones]
    if any(x.covers(local) for local in locals_ for x in inconvenient):
        return False
    if agreed_until is not None and instant < agreed_until:
        return True
    return all(window.contains(local.time()) for local in locals_)


def first_allowed_instant(
    now: datetime,
    zones: Iterable[tzinfo],
    window: HoursWindow,
    *,
    agreed_until: datetime | None = None,
    inconvenient: Sequence[InconvenientTime] = (),
    horizon: timedelta = DEFAULT_HORIZON,
) -> datetime | None:
    """The first instant at or after ``now`` allowed in every zone, in UTC; None if none is.

    ``now`` must be aware. ``agreed_until``: the debtor agreed to be contacted outside the
    window until then — pass it only when the packs let an agreement override their hours
    (``AllowedHours.agreed_times_override``). ``inconvenient`` times exclude, agreed or not.
    None means no allowed instant within ``horizon``: the zones' windows never overlap.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    zones = tuple(zones)
    if not zones:
        raise ValueError("at least one time zone is needed")
    now = now.astimezone(UTC)
    walls = tuple(dict.fromkeys([window.start, *(x.end for x in inconvenient)]))

    def allowed(instant: datetime) -> bool:
        return is_allowed(
            instant, zones, window, agreed_until=agreed_until, inconvenient=inconvenient
        )

    if allowed(now):
        return now
    lo, stop = now, now + horizon
    while lo < stop:
        hi = min(lo + _CHUNK, stop)
        candidates = {t for zone in zones for t in _candidates(zone, walls, lo, hi)}
        for instant in sorted(candidates):
            if allowed(instant):
                return instant
        lo = hi
    return None


def _candidates(
    zone: tzinfo, walls: Sequence[time], lo: datetime, hi: datetime
) -> Iterator[datetime]:
    """Instants in ``[lo, hi]`` where ``zone``'s wall clock reads one of ``walls`` or jumps."""
    first, last = lo.astimezone(zone).date(), hi.astimezone(zone).date()
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        for wall in walls:
            for fold in (0, 1):
                instant = _at(day, wall, zone, fold)
                if lo <= instant <= hi:
                    yield instant
        day += timedelta(days=1)
    yield from _offset_changes(zone, lo, hi)


def _at(day: date, wall: time, zone: tzinfo, fold: int) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)


def _offset_changes(zone: tzinfo, lo: datetime, hi: datetime) -> Iterator[datetime]:
    """Each instant in ``(lo, hi]`` at which ``zone``'s UTC offset changes."""
    a, offset_a = lo, lo.astimezone(zone).utcoffset()
    while a < hi:
        b = min(a + _OFFSET_STEP, hi)
        offset_b = b.astimezone(zone).utcoffset()
        if offset_b != offset_a:
            yield _first_change(zone, a, b)
        a, offset_a = b, offset_b


def _first_change(zone: tzinfo, a: datetime, b: datetime) -> datetime:
    """Bisect for the first instant after ``a`` (up to ``b``) with a different offset."""
    before = a.astimezone(zone).utcoffset()
    while b - a > _RESOLUTION:
        mid = a + (b - a) // 2
        if mid.astimezone(zone).utcoffset() == before:
            a = mid
        else:
            b = mid
    return b
