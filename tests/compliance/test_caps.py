"""Frequency caps: unit cases, and a property — no schedule of attempts ever exceeds a cap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import AttemptCount, CheckSubject, Decision, HoldFact
from compliance.caps import FrequencyCapRule

NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)  # spans the DST change of 2026-03-08


class Attempts:
    """An in-memory contact log: the times texts were sent, per account."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, datetime]] = []

    async def active_holds(self, **_: object) -> list[HoldFact]:
        return []

    async def count_attempts(
        self, *, debtor_ref: str, counts: frozenset[str], since: datetime,
        account_ref: str | None = None, destination: str | None = None,
    ) -> AttemptCount:  # fmt: skip
        times = [t for a, t in self.sent if t >= since and account_ref in (None, a)]
        return AttemptCount(len(times), min(times, default=None))


def subject(now: datetime, facts: Attempts, *, account: str = "A-1", packs: tuple[str, ...]
            = ("us-regf", "org", "us-ma")) -> CheckSubject:  # fmt: skip
    return CheckSubject(
        message_id="m", channel="sms", debtor_ref="D-1", account_ref=account,
        destination="+12125550134", locale="en-US", template_name="overdue_reminder",
        template_version="v", body="hi", render_error=None, segments=1, now=now,
        facts=facts, debtor_time_zone="America/New_York", packs=packs,
    )  # fmt: skip


async def test_the_third_text_in_a_week_is_deferred_to_when_the_first_leaves_the_window() -> None:
    facts, rule = Attempts(), FrequencyCapRule()
    first = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 New York
    facts.sent += [("A-1", first), ("A-1", first + timedelta(days=1))]

    result = await rule.check(subject(first + timedelta(days=2), facts))

    assert result.decision is Decision.DEFER
    assert result.rule_id == "frequency.cap"
    assert "us-ma:personal_numbers" in result.reason and "2 of 2" in result.reason
    assert result.until is not None
    # a rolling window: the slot frees when the first text is 7 × 24 h old
    assert result.until == first + timedelta(days=7)
    assert result.citation == "940 CMR 7.04(1)(f)"


async def test_another_debt_of_the_same_debtor_has_its_own_cap() -> None:
    facts, rule = Attempts(), FrequencyCapRule()
    now = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    facts.sent += [("A-1", now - timedelta(days=1)), ("A-1", now - timedelta(days=2))]
    assert (await rule.check(subject(now, facts, account="A-2"))).decision is Decision.ALLOW


async def test_reg_f_does_not_cap_texts_the_company_does_and_no_packs_blocks() -> None:
    facts, rule = Attempts(), FrequencyCapRule()
    now = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    facts.sent += [("A-1", now - timedelta(hours=h)) for h in range(1, 3)]
    allowed = await rule.check(subject(now, facts, packs=("us-regf",)))
    assert allowed.decision is Decision.ALLOW  # Reg F's call cap does not count texts
    assert allowed.inputs["caps"] == []
    # The company's own cap (org): at most 3 texts per debtor in any 24 hours
    facts.sent.append(("A-2", now - timedelta(hours=23)))
    capped = await rule.check(subject(now, facts, packs=("us-regf", "org")))
    assert capped.decision is Decision.DEFER
    assert "org:texts_per_day: 3 of 3" in capped.reason
    assert capped.until == now + timedelta(hours=1)
    assert capped.citation == "Company policy: text frequency (per day)"
    assert (await rule.check(subject(now, facts, packs=()))).decision is Decision.BLOCK


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40 * 24 * 60), min_size=1, max_size=60))
async def test_no_schedule_of_attempts_exceeds_the_cap(offsets_min: list[int]) -> None:
    facts, rule = Attempts(), FrequencyCapRule()
    for offset in sorted(offsets_min):
        now = START + timedelta(minutes=offset)
        result = await rule.check(subject(now, facts))
        if result.decision is Decision.ALLOW:
            facts.sent.append(("A-1", now))
        else:
            assert result.decision is Decision.DEFER and result.until is not None
            assert result.until > now
    # Any 7 consecutive New York calendar days hold at most 2 texts.
    days = [t.astimezone(NEW_YORK).date() for _, t in facts.sent]
    for first in {d for d in days}:
        window = [d for d in days if first <= d < first + timedelta(days=7)]
        assert len(window) <= 2, (first, window)
    assert all(isinstance(d, date) for d in days)
