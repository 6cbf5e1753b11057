"""Properties of ``first_allowed_instant`` against a minute-by-minute brute force.

The brute force is written independently of the search: it only converts instants to
local time and compares with the window. Offsets and transitions from 2000 to 2037 fall
on whole minutes, so the earliest allowed instant after a disallowed ``now`` is a whole
minute, and checking every minute finds it.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.hours import InconvenientTime, first_allowed_instant, is_allowed
from compliance.packs import HoursWindow

SCAN = timedelta(days=3)  # how far the brute force looks (a window opens within a day or so)
MINUTE = timedelta(minutes=1)

# Zones with unusual clocks: 30-minute DST, 45-minute offsets, DST in the southern
# hemisphere, two-hour DST, DST suspended in Ramadan, the dateline.
TRICKY_ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Asia/Shanghai",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Antarctica/Troll",
    "Africa/Casablanca",
]
ALL_ZONES = sorted(zoneinfo.available_timezones())

zone_names = st.one_of(st.sampled_from(TRICKY_ZONES), st.sampled_from(ALL_ZONES))
zone_sets = st.lists(zone_names, min_size=1, max_size=4, unique=True).map(
    lambda names: [ZoneInfo(n) for n in names]
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1).map(
    lambda m: time(m // 60, m % 60)
)


@st.composite
def windows(draw: st.DrawFn) -> HoursWindow:
    """The packs' own windows, or any window of whole minutes."""
    fixed = st.sampled_from([HoursWindow(time(8), time(21)), HoursWindow(time(8), time(22))])
    start, end = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2, unique=True)))
    return draw(st.one_of(fixed, st.just(HoursWindow(start, end))))


@functools.cache
def offset_changes(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """Where ``zone``'s offset changes during ``year``, to the minute (for test input only)."""
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while t < end:
        if (t + timedelta(hours=1)).astimezone(zone).utcoffset() != t.astimezone(zone).utcoffset():
            m = t
            while m.astimezone(zone).utcoffset() == t.astimezone(zone).utcoffset():
                m += MINUTE
            found.append(m)
        t += timedelta(hours=1)
    return tuple(found)


@st.composite
def around_a_clock_change(
    draw: st.DrawFn, zones: Sequence[ZoneInfo]
) -> tuple[datetime, HoursWindow]:
    """An instant near one of the zones' offset changes, and a window that starts or ends
    near the wall time of the change (so it may start in a skipped hour or end in a
    repeated one)."""
    zone = draw(st.sampled_from(list(zones)))
    changes = offset_changes(zone, draw(st.integers(min_value=2000, max_value=2036)))
    if not changes:
        return draw(instants), draw(windows())
    change = draw(st.sampled_from(changes))
    now = change + timedelta(seconds=draw(st.integers(min_value=-36 * 3600, max_value=36 * 3600)))
    near = (change + draw(st.integers(min_value=-90, max_value=90)) * MINUTE).astimezone(zone)
    boundary = near.hour * 60 + near.minute
    length = draw(st.integers(min_value=1, max_value=23 * 60))
    if draw(st.booleans()):  # the window starts near the change
        start, end = boundary, min(boundary + length, 24 * 60 - 1)
    else:  # the window ends near the change
        start, end = max(boundary - length, 0), boundary
    if start >= end:
        return now, HoursWindow(time(8), time(21))
    return now, HoursWindow(time(start // 60, start % 60), time(end // 60, end % 60))


def inside(instant: datetime, zones: Sequence[ZoneInfo], window: HoursWindow) -> bool:
    for zone in zones:
        wall = instant.astimezone(zone).time()
        if not (window.start <= wall < window.end):
            return False
    return True


def brute_force(now: datetime, zones: Sequence[ZoneInfo], window: HoursWindow) -> datetime | None:
    """``now`` if allowed, else the first allowed whole minute within ``SCAN``, else None."""
    if inside(now, zones, window):
        return now
    minute = now.replace(second=0, microsecond=0) + MINUTE
    while minute <= now + SCAN:
        if inside(minute, zones, window):
            return minute
        minute += MINUTE
    return None


def assert_exact(now: datetime, zones: Sequence[ZoneInfo], window: HoursWindow) -> None:
    found = first_allowed_instant(now, zones, window)
    expected = brute_force(now, zones, window)

    if expected is not None:
        assert found == expected
    elif found is not None:  # not within the scan: later, but still right
        assert found > now + SCAN
        assert inside(found, zones, window)
        assert not inside(found - timedelta(microseconds=1), zones, window) or found == now


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(now=instants, zones=zone_sets, window=windows())
def test_the_first_allowed_instant_is_allowed_everywhere_and_nothing_earlier_is(
    now: datetime, zones: list[ZoneInfo], window: HoursWindow
) -> None:
    assert_exact(now, zones, window)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), zones=zone_sets)
def test_exact_around_clock_changes(data: st.DataObject, zones: list[ZoneInfo]) -> None:
    now, window = data.draw(around_a_clock_change(zones))

    assert_exact(now, zones, window)


@settings(max_examples=200, deadline=None)
@given(now=instants, zones=zone_sets, window=windows())
def test_an_allowed_instant_is_its_own_answer(
    now: datetime, zones: list[ZoneInfo], window: HoursWindow
) -> None:
    found = first_allowed_instant(now, zones, window)

    if found is not None:
        assert found >= now
        assert first_allowed_instant(found, zones, window) == found
        if inside(now, zones, window):
            assert found == now


inconvenient_times = st.builds(
    InconvenientTime,
    weekdays=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1, max_size=3),
    start=minutes_of_day,
    end=minutes_of_day,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    now=instants,
    zones=st.lists(st.sampled_from(TRICKY_ZONES), min_size=1, max_size=2, unique=True).map(
        lambda names: [ZoneInfo(n) for n in names]
    ),
    window=windows(),
    inconvenient=st.lists(inconvenient_times, max_size=2),
    agreed_minutes=st.none() | st.integers(min_value=1, max_value=600),
)
def test_with_agreed_and_inconvenient_times_nothing_earlier_is_allowed(
    now: datetime,
    zones: list[ZoneInfo],
    window: HoursWindow,
    inconvenient: list[InconvenientTime],
    agreed_minutes: int | None,
) -> None:
    agreed_until = None if agreed_minutes is None else now + agreed_minutes * MINUTE

    def allowed(t: datetime) -> bool:
        return is_allowed(t, zones, window, agreed_until=agreed_until, inconvenient=inconvenient)

    found = first_allowed_instant(
        now, zones, window, agreed_until=agreed_until, inconvenient=inconvenient
    )

    if found is None:
        return
    assert found >= now and allowed(found)
    if allowed(now):
        assert found == now
        return
    minute = now.replace(second=0, microsecond=0) + MINUTE
    while minute < min(found, now + SCAN):
        assert not allowed(minute), f"{minute} is allowed and earlier than {found}"
        minute += MINUTE
