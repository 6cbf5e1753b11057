"""A visit is checked for its whole length (the request's minutes, else the packs'
default): it must lie inside the allowed hours in every zone, and a refusal names the
latest start that fits — in zones 30 and 45 minutes off the hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from compliance import CheckSubject, Decision
from compliance.hours import ContactHoursRule
from compliance.packs import load_packs
from tests.compliance.calls.log import FakeLog, subject

KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # +05:45
ADELAIDE = ZoneInfo("Australia/Adelaide")  # +10:30 in summer


def visit(at: datetime, minutes: int | None, zone: ZoneInfo) -> CheckSubject:
    now = at - timedelta(days=1)
    return subject(now, FakeLog(), channel="visit", contact_at=at, contact_minutes=minutes,
                   debtor_time_zone=zone.key, packs=("us-regf", "org"))  # fmt: skip


async def test_a_visit_running_into_the_quiet_hours_is_refused_with_the_latest_start() -> None:
    # Given a 45-minute visit booked at 20:30 in Kolkata (Reg F's hours end at 21:00)
    at = datetime(2026, 12, 2, 20, 30, tzinfo=KOLKATA)
    result = await ContactHoursRule().check(visit(at, 45, KOLKATA))
    # Then it is refused: it would end at 21:15; the latest start is 20:15
    assert result.decision is Decision.BLOCK
    assert "45-minute" in result.reason
    assert "latest allowed start that day: 2026-12-02T20:15:00+05:30 Asia/Kolkata" in result.reason
    latest = datetime.fromisoformat(result.inputs["latest_allowed_start"])
    assert latest == datetime(2026, 12, 2, 20, 15, tzinfo=KOLKATA)
    assert result.inputs["minutes_from"] == "request"
    # And a visit at that latest start, or ending exactly at 21:00, is allowed
    allowed = await ContactHoursRule().check(visit(latest, 45, KOLKATA))
    assert allowed.decision is Decision.ALLOW


async def test_without_planned_minutes_the_packs_default_applies() -> None:
    assert load_packs(("us-regf", "org")).visit_minutes() == 60
    at = datetime(2026, 12, 2, 20, 10, tzinfo=KATHMANDU)
    result = await ContactHoursRule().check(visit(at, None, KATHMANDU))
    assert result.decision is Decision.BLOCK
    assert result.inputs["minutes"] == 60 and result.inputs["minutes_from"] == "pack default"
    latest = datetime.fromisoformat(result.inputs["latest_allowed_start"])
    assert latest == datetime(2026, 12, 2, 20, 0, tzinfo=KATHMANDU)


async def test_a_visit_that_fits_in_adelaide_summer_time_is_allowed() -> None:
    at = datetime(2026, 12, 2, 19, 30, tzinfo=ADELAIDE)
    result = await ContactHoursRule().check(visit(at, 90, ADELAIDE))
    assert result.decision is Decision.ALLOW
    refused = await ContactHoursRule().check(visit(at, 91, ADELAIDE))
    assert refused.decision is Decision.BLOCK
    latest = datetime.fromisoformat(refused.inputs["latest_allowed_start"])
    assert latest == datetime(2026, 12, 2, 19, 29, tzinfo=ADELAIDE)
