"""Call caps counted by what counts: Reg F's 7 in 7 days, cn's 3 conversations a day and
6 unanswered attempts per number a day, and the exemptions a debtor's agreement grants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance import Decision
from compliance.caps import FrequencyCapRule
from tests.compliance.calls.log import BEIJING_NUMBER, Attempt, FakeLog, cn_subject, subject

NEW_YORK = ZoneInfo("America/New_York")
BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)


def calls(*results: str | None, start: datetime = MONDAY, **fields: object) -> list[Attempt]:
    """One call an hour from ``start``, with these results."""
    return [
        Attempt(start + timedelta(hours=i), result, **fields)  # type: ignore[arg-type]
        for i, result in enumerate(results)
    ]


async def test_the_eighth_call_in_seven_days_is_deferred_until_the_first_leaves() -> None:
    # Given 7 counted calls on Monday (answered, unanswered, voicemail)
    log = FakeLog(calls(*["unanswered"] * 3, "voicemail", "answered", "conversation", "unanswered"))
    # When an eighth call is due on Thursday
    result = await FrequencyCapRule().check(subject(MONDAY + timedelta(days=3), log))
    # Then it waits until the first call is a full 7 × 24 h old (a rolling window)
    assert result.decision is Decision.DEFER
    assert result.until == MONDAY + timedelta(days=7)
    assert "us-regf:call_frequency: 7 of 7" in result.reason
    assert result.citation == "12 CFR 1006.14(b)"
    [cap] = result.inputs["caps"]
    assert cap["counts"] == ["call.answered", "call.unanswered", "call.voicemail"]
    assert cap["window"] == "rolling"


async def test_busy_unconnected_and_failed_calls_and_texts_do_not_count_under_reg_f() -> None:
    log = FakeLog(
        calls(*["unanswered"] * 6, "busy", "unconnected", "failed")
        + calls("sent", channel="sms", start=MONDAY + timedelta(days=1))
    )
    result = await FrequencyCapRule().check(subject(MONDAY + timedelta(days=2), log))
    assert result.decision is Decision.ALLOW
    assert result.inputs["caps"][0]["count"] == 6


async def test_a_wrong_number_call_stops_counting() -> None:
    log = FakeLog(calls(*["unanswered"] * 6) + calls("answered", wrong_number=True))
    result = await FrequencyCapRule().check(subject(MONDAY + timedelta(days=2), log))
    assert result.decision is Decision.ALLOW


async def test_a_call_in_flight_holds_its_slot() -> None:
    log = FakeLog(calls(*["unanswered"] * 6) + calls(None, status="sent"))
    result = await FrequencyCapRule().check(subject(MONDAY + timedelta(hours=8), log))
    assert result.decision is Decision.DEFER


async def test_calls_about_another_debt_have_their_own_seven() -> None:
    log = FakeLog(calls(*["unanswered"] * 7, account_ref="A-2"))
    result = await FrequencyCapRule().check(subject(MONDAY + timedelta(days=1), log))
    assert result.decision is Decision.ALLOW


async def test_the_consumers_consent_exempts_the_cap_and_the_verdict_says_so() -> None:
    log, now = FakeLog(calls(*["unanswered"] * 7)), MONDAY + timedelta(days=1)
    result = await FrequencyCapRule().check(subject(now, log, agreed_until=now + timedelta(days=2)))
    assert result.decision is Decision.ALLOW
    [exempt] = result.inputs["exempt"]
    assert exempt["cap"] == "us-regf:call_frequency"
    assert "consumer_consent_7_days" in exempt["exempt"]
    expired = await FrequencyCapRule().check(subject(now, log, agreed_until=now))
    assert expired.decision is Decision.DEFER


async def test_massachusetts_counts_calls_and_texts_together() -> None:
    log = FakeLog(calls("busy") + calls("sent", channel="sms", start=MONDAY + timedelta(days=1)))
    packs = ("us-regf", "org", "us-ma")
    later = MONDAY + timedelta(days=2)
    call = await FrequencyCapRule().check(subject(later, log, packs=packs))
    text = await FrequencyCapRule().check(subject(later, log, packs=packs, channel="sms"))
    assert call.decision is text.decision is Decision.DEFER
    assert "us-ma:personal_numbers: 2 of 2" in call.reason


# China: Beijing time, per day.
CN_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=BEIJING)


async def test_cn_a_fourth_conversation_in_a_day_waits_24_hours_after_the_first() -> None:
    log = FakeLog(calls(*["conversation"] * 3, "unanswered", start=CN_MORNING,
                        destination=BEIJING_NUMBER))  # fmt: skip
    result = await FrequencyCapRule().check(cn_subject(CN_MORNING + timedelta(hours=5), log))
    assert result.decision is Decision.DEFER
    assert "cn:effective_conversations: 3 of 3" in result.reason
    assert result.until == CN_MORNING + timedelta(days=1)
    # Two conversations leave room for a third
    log.attempts.pop(0)
    again = await FrequencyCapRule().check(cn_subject(CN_MORNING + timedelta(hours=5), log))
    assert again.decision is Decision.ALLOW


async def test_cn_six_unanswered_attempts_per_number_per_day() -> None:
    results = ("unanswered", "voicemail", "busy", "unconnected", "unanswered", "unanswered")
    log = FakeLog(calls(*results, "answered", "failed", start=CN_MORNING,
                        destination=BEIJING_NUMBER))  # fmt: skip
    later = CN_MORNING + timedelta(hours=9)
    same = await FrequencyCapRule().check(cn_subject(later, log))
    assert same.decision is Decision.DEFER
    assert "cn:unanswered_attempts: 6 of 6" in same.reason
    other = await FrequencyCapRule().check(cn_subject(later, log, destination="+8613900139000"))
    assert other.decision is Decision.ALLOW
    tomorrow = await FrequencyCapRule().check(cn_subject(CN_MORNING + timedelta(days=1), log))
    assert tomorrow.decision is Decision.ALLOW
    # The debtor agreed: the unanswered cap is exempt (the conversation cap is not)
    agreed = await FrequencyCapRule().check(
        cn_subject(later, log, agreed_until=later.astimezone(UTC) + timedelta(hours=1))
    )
    assert agreed.decision is Decision.ALLOW
    assert [e["cap"] for e in agreed.inputs["exempt"]] == ["cn:unanswered_attempts"]
    assert [c["cap"] for c in agreed.inputs["caps"]] == ["cn:effective_conversations"]
