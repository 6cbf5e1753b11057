"""Reg F: no call within 7 days after a telephone conversation about the debt."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from compliance import ComplianceGate, Decision
from compliance.caps import ConversationQuietPeriodRule, FrequencyCapRule
from compliance.hours import ContactHoursRule
from tests.compliance.calls.log import Attempt, FakeLog, cn_subject, subject

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)
NEXT_MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=NEW_YORK)


async def test_a_conversation_on_monday_bars_calls_through_sunday() -> None:
    log, rule = FakeLog([Attempt(MONDAY, "conversation")]), ConversationQuietPeriodRule()
    for later in (timedelta(hours=1), timedelta(days=1), timedelta(days=6, hours=13)):
        result = await rule.check(subject(MONDAY + later, log))
        assert result.decision is Decision.DEFER, later
        assert result.until is not None
        assert result.until.astimezone(NEW_YORK) == NEXT_MONDAY
        assert result.rule_id == "frequency.after_conversation"
        assert result.citation == "12 CFR 1006.14(b)"
        assert "us-regf:after_conversation" in result.reason
    monday = await rule.check(subject(NEXT_MONDAY, log))
    assert monday.decision is Decision.ALLOW


async def test_with_every_rule_the_next_call_goes_monday_at_eight() -> None:
    gate = ComplianceGate([ContactHoursRule(), FrequencyCapRule(), ConversationQuietPeriodRule()])
    log = FakeLog([Attempt(MONDAY, "conversation")])
    sunday = await gate.evaluate(subject(datetime(2026, 12, 6, 12, 0, tzinfo=NEW_YORK), log))
    assert sunday.decision is Decision.DEFER and sunday.until is not None
    midnight = await gate.evaluate(subject(sunday.until, log))  # checked again then
    assert midnight.decision is Decision.DEFER and midnight.until is not None
    assert midnight.until.astimezone(NEW_YORK) == datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)
    assert (await gate.evaluate(subject(midnight.until, log))).decision is Decision.ALLOW


async def test_only_conversations_about_this_debt_start_the_period() -> None:
    rule, tuesday = ConversationQuietPeriodRule(), MONDAY + timedelta(days=1)
    other_debt = FakeLog([Attempt(MONDAY, "conversation", account_ref="A-2")])
    assert (await rule.check(subject(tuesday, other_debt))).decision is Decision.ALLOW
    answered = FakeLog([Attempt(MONDAY, "answered"), Attempt(MONDAY, "voicemail")])
    assert (await rule.check(subject(tuesday, answered))).decision is Decision.ALLOW
    wrong = FakeLog([Attempt(MONDAY, "conversation", wrong_number=True)])
    assert (await rule.check(subject(tuesday, wrong))).decision is Decision.ALLOW


async def test_texts_are_not_calls_and_consent_exempts() -> None:
    rule, tuesday = ConversationQuietPeriodRule(), MONDAY + timedelta(days=1)
    log = FakeLog([Attempt(MONDAY, "conversation")])
    assert (await rule.check(subject(tuesday, log, channel="sms"))).decision is Decision.ALLOW
    consent = await rule.check(subject(tuesday, log, agreed_until=tuesday + timedelta(days=1)))
    assert consent.decision is Decision.ALLOW
    assert consent.inputs["exempt"][0]["quiet_period"] == "us-regf:after_conversation"


async def test_a_call_in_flight_may_be_a_conversation_so_the_next_waits_briefly() -> None:
    rule = ConversationQuietPeriodRule(recheck=timedelta(minutes=10))
    log = FakeLog([Attempt(MONDAY, None, status="sending")])
    result = await rule.check(subject(MONDAY + timedelta(minutes=2), log))
    assert result.decision is Decision.DEFER
    assert result.until == MONDAY + timedelta(minutes=12)
    assert "no result yet" in result.reason


async def test_cn_has_no_quiet_period_and_no_packs_blocks() -> None:
    rule = ConversationQuietPeriodRule()
    log = FakeLog([Attempt(MONDAY, "conversation")])
    assert (await rule.check(cn_subject(MONDAY + timedelta(hours=1), log))).decision is (
        Decision.ALLOW
    )
    assert (await rule.check(subject(MONDAY, log, packs=()))).decision is Decision.BLOCK
