"""The next allowed instant, exactly, with real zone data: windows, DST days, several zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from compliance.hours import InconvenientTime, first_allowed_instant, is_allowed
from compliance.packs import HoursWindow

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SHANGHAI = ZoneInfo("Asia/Shanghai")
US_HOURS = HoursWindow(time(8), time(21))
CN_HOURS = HoursWindow(time(8), time(22))


def local(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold)


def test_a_text_at_20_58_local_is_allowed_now() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 20, 58)

    assert first_allowed_instant(now, [NEW_YORK], US_HOURS) == now


def test_a_text_at_21_02_local_waits_for_08_00_the_next_day() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 21, 2)

    until = first_allowed_instant(now, [NEW_YORK], US_HOURS)

    assert until == local(NEW_YORK, 2026, 5, 13, 8, 0)
    assert until is not None and until.tzinfo is UTC


def test_21_00_itself_is_outside_the_half_open_window() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 21, 0)

    assert first_allowed_instant(now, [NEW_YORK], US_HOURS) == local(NEW_YORK, 2026, 5, 13, 8)


def test_before_8_waits_for_8_the_same_day() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 6, 15, 30)

    assert first_allowed_instant(now, [NEW_YORK], US_HOURS) == local(NEW_YORK, 2026, 5, 12, 8)


def test_a_chinese_debtor_at_21_59_beijing_time_is_allowed() -> None:
    now = local(SHANGHAI, 2026, 5, 12, 21, 59)

    assert first_allowed_instant(now, [SHANGHAI], CN_HOURS) == now


def test_a_chinese_debtor_at_22_00_waits_for_08_00() -> None:
    now = local(SHANGHAI, 2026, 5, 12, 22, 0)

    assert first_allowed_instant(now, [SHANGHAI], CN_HOURS) == local(SHANGHAI, 2026, 5, 13, 8)


def test_eastern_and_pacific_allow_only_11_to_21_eastern() -> None:
    zones = [NEW_YORK, LOS_ANGELES]

    assert first_allowed_instant(local(NEW_YORK, 2026, 5, 12, 9), zones, US_HOURS) == local(
        NEW_YORK, 2026, 5, 12, 11
    )
    at_11 = local(NEW_YORK, 2026, 5, 12, 11)
    assert first_allowed_instant(at_11, zones, US_HOURS) == at_11
    assert first_allowed_instant(local(NEW_YORK, 2026, 5, 12, 21), zones, US_HOURS) == local(
        NEW_YORK, 2026, 5, 13, 11
    )


def test_the_spring_forward_day_defers_to_08_00_daylight_time() -> None:
    """2026-03-08 in New York has 23 hours: 02:00 EST jumps to 03:00 EDT."""
    day_start, next_day = local(NEW_YORK, 2026, 3, 8), local(NEW_YORK, 2026, 3, 9)
    assert next_day.astimezone(UTC) - day_start.astimezone(UTC) == timedelta(hours=23)

    for now in (local(NEW_YORK, 2026, 3, 7, 21, 30), local(NEW_YORK, 2026, 3, 8, 1, 59)):
        until = first_allowed_instant(now, [NEW_YORK], US_HOURS)

        assert until == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT, UTC-4
        assert until.astimezone(NEW_YORK).time() == time(8)


def test_the_fall_back_day_defers_to_08_00_standard_time() -> None:
    """2026-11-01 in New York has 25 hours: 02:00 EDT falls back to 01:00 EST."""
    day_start, next_day = local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 2)
    assert next_day.astimezone(UTC) - day_start.astimezone(UTC) == timedelta(hours=25)

    for now in (
        local(NEW_YORK, 2026, 10, 31, 22),
        local(NEW_YORK, 2026, 11, 1, 1, 30, fold=0),  # the first 01:30 (EDT)
        local(NEW_YORK, 2026, 11, 1, 1, 30, fold=1),  # the second 01:30 (EST)
    ):
        until = first_allowed_instant(now, [NEW_YORK], US_HOURS)

        assert until == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST, UTC-5
        assert until.astimezone(NEW_YORK).time() == time(8)


def test_after_21_on_the_long_day_waits_25_hours_less_13() -> None:
    now = local(NEW_YORK, 2026, 10, 31, 21)

    until = first_allowed_instant(now, [NEW_YORK], US_HOURS)

    assert until is not None and until - now == timedelta(hours=12)  # 11 hours + the extra one


def test_a_window_opening_inside_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    window = HoursWindow(time(2, 30), time(21))
    now = local(NEW_YORK, 2026, 3, 8, 0, 0)

    until = first_allowed_instant(now, [NEW_YORK], window)

    assert until == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT: 02:30 never happens
    assert until.astimezone(NEW_YORK).time() == time(3)


def test_a_window_ending_inside_the_repeated_hour_reopens_when_the_clock_falls_back() -> None:
    window = HoursWindow(time(0, 30), time(1, 30))
    now = local(NEW_YORK, 2026, 11, 1, 1, 45, fold=0)  # 01:45 EDT, outside

    until = first_allowed_instant(now, [NEW_YORK], window)

    assert until == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # the second 01:00 (EST)


def test_a_state_with_several_zones_needs_the_overlap_of_all() -> None:
    zones = [ZoneInfo("America/Boise"), LOS_ANGELES]  # Idaho: Mountain and Pacific
    now = local(LOS_ANGELES, 2026, 5, 12, 7, 30)  # 08:30 in Boise, 07:30 in Los Angeles

    assert first_allowed_instant(now, zones, US_HOURS) == local(LOS_ANGELES, 2026, 5, 12, 8)
    late = local(LOS_ANGELES, 2026, 5, 12, 20, 30)  # 21:30 in Boise
    assert first_allowed_instant(late, zones, US_HOURS) == local(LOS_ANGELES, 2026, 5, 13, 8)


def test_zones_12_hours_apart_have_no_overlap_for_a_12_hour_window() -> None:
    zones = [ZoneInfo("Etc/GMT+6"), ZoneInfo("Etc/GMT-6")]
    now = datetime(2026, 5, 12, tzinfo=UTC)

    assert first_allowed_instant(now, zones, HoursWindow(time(8), time(20))) is None
    # A 13-hour window does overlap for zones 12 hours apart: an hour at each end.
    assert first_allowed_instant(now, zones, US_HOURS) == datetime(2026, 5, 12, 2, tzinfo=UTC)


def test_three_zones_8_hours_apart_never_share_a_13_hour_window() -> None:
    zones = [ZoneInfo("Etc/GMT+8"), ZoneInfo("Etc/GMT"), ZoneInfo("Etc/GMT-8")]

    assert first_allowed_instant(datetime(2026, 5, 12, tzinfo=UTC), zones, US_HOURS) is None


def test_an_agreed_time_allows_contact_outside_the_window_until_it_ends() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 22, 30)
    agreed_until = local(NEW_YORK, 2026, 5, 12, 23)

    assert first_allowed_instant(now, [NEW_YORK], US_HOURS, agreed_until=agreed_until) == now
    after = local(NEW_YORK, 2026, 5, 12, 23, 5)
    assert first_allowed_instant(after, [NEW_YORK], US_HOURS, agreed_until=agreed_until) == local(
        NEW_YORK, 2026, 5, 13, 8
    )


NOT_WEEKDAY_AFTERNOONS = InconvenientTime(frozenset(range(5)), time(15), time(17))


def test_a_time_the_debtor_named_as_inconvenient_is_skipped() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 15, 30)  # a Tuesday

    until = first_allowed_instant(now, [NEW_YORK], US_HOURS, inconvenient=[NOT_WEEKDAY_AFTERNOONS])

    assert until == local(NEW_YORK, 2026, 5, 12, 17)
    saturday = local(NEW_YORK, 2026, 5, 16, 15, 30)
    assert (
        first_allowed_instant(saturday, [NEW_YORK], US_HOURS, inconvenient=[NOT_WEEKDAY_AFTERNOONS])
        == saturday
    )


def test_an_inconvenient_time_can_run_past_midnight_and_cover_whole_days() -> None:
    not_sundays = InconvenientTime(frozenset({6}), time(0), time(0))
    friday_nights = InconvenientTime(frozenset({4}), time(20), time(9))
    saturday_8 = local(NEW_YORK, 2026, 5, 16, 8)

    assert first_allowed_instant(
        saturday_8, [NEW_YORK], US_HOURS, inconvenient=[friday_nights]
    ) == local(NEW_YORK, 2026, 5, 16, 9)
    assert first_allowed_instant(
        local(NEW_YORK, 2026, 5, 16, 21), [NEW_YORK], US_HOURS, inconvenient=[not_sundays]
    ) == local(NEW_YORK, 2026, 5, 18, 8)


def test_an_agreed_time_does_not_override_a_time_named_inconvenient() -> None:
    now = local(NEW_YORK, 2026, 5, 12, 15, 30)

    until = first_allowed_instant(
        now,
        [NEW_YORK],
        US_HOURS,
        agreed_until=local(NEW_YORK, 2026, 5, 12, 23),
        inconvenient=[NOT_WEEKDAY_AFTERNOONS],
    )

    assert until == local(NEW_YORK, 2026, 5, 12, 17)


def test_every_day_inconvenient_leaves_nothing() -> None:
    always = InconvenientTime(frozenset(range(7)), time(0), time(0))

    assert (
        first_allowed_instant(
            local(NEW_YORK, 2026, 5, 12, 12), [NEW_YORK], US_HOURS, inconvenient=[always]
        )
        is None
    )


def test_now_must_be_aware_and_zones_given() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        first_allowed_instant(datetime(2026, 5, 12, 12), [NEW_YORK], US_HOURS)
    with pytest.raises(ValueError, match="time zone"):
        first_allowed_instant(datetime(2026, 5, 12, 12, tzinfo=UTC), [], US_HOURS)


def test_is_allowed_checks_every_zone() -> None:
    noon_eastern = local(NEW_YORK, 2026, 5, 12, 10)  # 07:00 in Los Angeles

    assert is_allowed(noon_eastern, [NEW_YORK], US_HOURS)
    assert not is_allowed(noon_eastern, [NEW_YORK, LOS_ANGELES], US_HOURS)
