"""Caps read as rolling windows by default (N days = N × 24 h of elapsed time), across
DST changes, on the real contact log; the calendar-day reading only where a pack chooses
it with a citation; the verdict names the reading used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import CheckSubject, Decision, RuleResult
from compliance.caps import FrequencyCapRule
from compliance.packs import BUILTIN_DIR, CapWindow, PackFormatError, PackLoader, read_pack
from compliance.packs.packset import strictest_caps
from dispatcher.contactlog.session import debtor_session
from tests.compliance.calls.log import Attempt, FakeLog, insert_attempts, subject

NEW_YORK = ZoneInfo("America/New_York")
MA_PACKS = ("us-regf", "org", "us-ma")
# US clocks spring forward on Sunday 2026-03-08 (02:00 EST → 03:00 EDT).
BEFORE_DST = datetime(2026, 3, 5, 10, 0, tzinfo=NEW_YORK)  # Thursday 10:00 EST = 15:00 UTC


def text_at(at: datetime) -> Attempt:
    return Attempt(at, None, channel="sms", status="delivered")


def ma_text(now: datetime, facts: Any) -> CheckSubject:
    return subject(now, facts, channel="sms", packs=MA_PACKS, destination_type="mobile")


async def test_every_shipped_cap_reads_a_rolling_window() -> None:
    caps = [c for p in BUILTIN_DIR.glob("*.toml") for c in read_pack(p).caps]
    assert caps and all(c.window is CapWindow.ROLLING for c in caps)


async def test_across_a_dst_change_the_slot_frees_168_elapsed_hours_after_the_oldest(
    engine: AsyncEngine,
) -> None:
    # Given two texts (us-ma: 2 per 7 days to personal numbers), the first before DST
    first = BEFORE_DST
    await insert_attempts(engine, text_at(first), text_at(first + timedelta(days=1)))
    rule = FrequencyCapRule()

    async def decide(now: datetime) -> RuleResult:
        async with debtor_session(engine, "D-1") as session:
            return await rule.check(ma_text(now, session))

    # When a third text is due after the clocks changed
    result = await decide(datetime(2026, 3, 10, 12, 0, tzinfo=NEW_YORK))
    # Then it waits exactly 7 × 24 h of elapsed time after the first: 11:00 EDT, not 10:00
    assert result.decision is Decision.DEFER
    until = result.until
    assert until == first.astimezone(UTC) + timedelta(hours=168)
    assert until.astimezone(NEW_YORK).hour == 11
    [cap] = [c for c in result.inputs["caps"] if c["cap"] == "us-ma:personal_numbers"]
    assert cap["window"] == "rolling" and cap["frees_at"] == until.isoformat()
    assert "rolling window" in result.reason
    # A microsecond before, still full; at that instant the slot is free
    assert (await decide(until - timedelta(microseconds=1))).decision is Decision.DEFER
    assert (await decide(until)).decision is Decision.ALLOW


async def test_rolling_never_allows_what_calendar_days_would_refuse(tmp_path: Path) -> None:
    # Texts on Monday 23:00 and Tuesday 08:00: calendar days free a slot at midnight
    # starting the next Monday; the rolling window only at 23:00 that Monday.
    monday_late = datetime(2026, 11, 2, 23, 0, tzinfo=NEW_YORK)
    facts = FakeLog([text_at(monday_late), text_at(monday_late + timedelta(hours=9))])
    next_monday_noon = datetime(2026, 11, 9, 12, 0, tzinfo=NEW_YORK)
    rolling = await FrequencyCapRule().check(ma_text(next_monday_noon, facts))
    assert rolling.decision is Decision.DEFER
    assert rolling.until == monday_late + timedelta(days=7)

    calendar = PackLoader([_calendar_us_ma(tmp_path), BUILTIN_DIR])
    by_day = await FrequencyCapRule(pack_loader=calendar.load_packs).check(
        ma_text(next_monday_noon, facts)
    )
    assert by_day.decision is Decision.ALLOW
    [cap] = [c for c in by_day.inputs["caps"] if c["cap"] == "us-ma:personal_numbers"]
    assert cap["window"] == "calendar_days"
    assert cap["window_citation"] == "940 CMR 7.04(1)(f): 'in each seven-day period'"


def _calendar_us_ma(tmp_path: Path) -> Path:
    text = (BUILTIN_DIR / "us-ma.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.1"', 'version = "2026.1-calendar"')
    text = text.replace(
        'numbers = "personal"\n',
        'numbers = "personal"\nwindow = "calendar_days"\n'
        "window_citation = \"940 CMR 7.04(1)(f): 'in each seven-day period'\"\n",
    )
    (tmp_path / "us-ma.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_calendar_window_without_a_citation_is_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    text = (BUILTIN_DIR / "us-ma.toml").read_text(encoding="utf-8")
    bad = tmp_path / "us-ma.toml"
    bad.write_text(
        text.replace('numbers = "other"\n', 'numbers = "other"\nwindow = "calendar_days"\n')
    )
    with pytest.raises(PackFormatError) as error:
        read_pack(bad)
    assert error.value.field == "window_citation"
    assert "caps[1] 'other_numbers'" in str(error.value)


def test_a_rolling_cap_implies_a_calendar_cap_with_the_same_numbers(tmp_path: Path) -> None:
    [rolling] = [
        c for c in read_pack(BUILTIN_DIR / "us-ma.toml").caps if c.numbers.value == "personal"
    ]
    [calendar] = [
        c for c in read_pack(_calendar_us_ma(tmp_path) / "us-ma.toml").caps
        if c.numbers.value == "personal"
    ]  # fmt: skip
    assert strictest_caps((calendar, rolling)) == (rolling,)
    assert strictest_caps((rolling, calendar)) == (rolling,)


async def test_a_narrow_cap_inside_a_wide_one_under_its_limit_needs_no_count_of_its_own() -> None:
    # Two texts this week (none today): fewer than 3 in 7 days means fewer than 3 today
    now = datetime(2026, 11, 9, 12, 0, tzinfo=NEW_YORK)
    facts = FakeLog([text_at(now - timedelta(days=d)) for d in (2, 3)])
    result = await FrequencyCapRule().check(
        subject(now, facts, channel="sms", packs=("us-regf", "org"))
    )
    assert result.decision is Decision.ALLOW
    by_cap = {c["cap"]: c for c in result.inputs["caps"]}
    assert by_cap["org:texts_per_week"]["count"] == 2
    day = by_cap["org:texts_per_day"]
    assert (day["count_at_most"], day["implied_by"]) == (2, "org:texts_per_week")
    # Three this week, one of them today: the day's cap is counted on its own
    facts.attempts.append(text_at(now - timedelta(hours=1)))
    again = await FrequencyCapRule().check(
        subject(now, facts, channel="sms", packs=("us-regf", "org"))
    )
    counted = {c["cap"]: c.get("count") for c in again.inputs["caps"]}
    assert counted == {"org:texts_per_day": 1, "org:texts_per_week": 3}
