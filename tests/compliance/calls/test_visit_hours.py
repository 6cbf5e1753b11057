"""Hours apply to calls and visits; a visit is checked at its booked time, not now."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from compliance import ComplianceGate, Decision
from compliance.hours import ContactHoursRule
from dispatcher.sending.pipeline import fixed_time_refused
from tests.compliance.calls.log import FakeLog, cn_subject, subject

BEIJING = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


async def test_cn_calls_at_21_59_go_and_at_22_00_wait_for_08_00() -> None:
    rule = ContactHoursRule()
    before = await rule.check(cn_subject(datetime(2026, 11, 30, 21, 59, tzinfo=BEIJING), FakeLog()))
    assert before.decision is Decision.ALLOW
    at_ten = await rule.check(cn_subject(datetime(2026, 11, 30, 22, 0, tzinfo=BEIJING), FakeLog()))
    assert at_ten.decision is Decision.DEFER
    assert at_ten.until == datetime(2026, 12, 1, 8, 0, tzinfo=BEIJING)


async def test_a_visit_booked_for_22_30_beijing_is_deferred_and_the_pipeline_refuses_it() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)  # booking in the morning
    visit = cn_subject(
        now, FakeLog(), channel="visit", destination="", template_name="field_visit",
        contact_at=datetime(2026, 11, 30, 22, 30, tzinfo=BEIJING),
    )  # fmt: skip
    result = await ContactHoursRule().check(visit)
    assert result.decision is Decision.DEFER
    assert result.until == datetime(2026, 12, 1, 8, 0, tzinfo=BEIJING)
    assert result.inputs["checked_at"] == "2026-11-30T22:30:00+08:00"
    # The pipeline turns a visit's deferral into a block: its time is booked.
    verdict = fixed_time_refused(await ComplianceGate([ContactHoursRule()]).evaluate(visit))
    assert verdict.decision is Decision.BLOCK
    assert verdict.deciding is not None and verdict.deciding.rule_id == "visit.fixed_time"
    assert verdict.results[0].decision is Decision.DEFER  # the hours rule's answer, kept


async def test_a_visit_booked_in_the_day_is_allowed_whatever_the_time_now() -> None:
    late_night = datetime(2026, 11, 30, 23, 0, tzinfo=BEIJING)
    visit = cn_subject(
        late_night, FakeLog(), channel="visit", destination="",
        contact_at=datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING),
    )  # fmt: skip
    assert (await ContactHoursRule().check(visit)).decision is Decision.ALLOW


async def test_reg_f_inconvenient_times_cover_visits_at_the_debtors_location() -> None:
    visit = subject(
        datetime(2026, 11, 30, 15, 0, tzinfo=UTC), FakeLog(), channel="visit", destination="",
        contact_at=datetime(2026, 11, 30, 21, 15, tzinfo=NEW_YORK),
    )  # fmt: skip
    result = await ContactHoursRule().check(visit)
    assert result.decision is Decision.DEFER
    assert result.until == datetime(2026, 12, 1, 8, 0, tzinfo=NEW_YORK)
