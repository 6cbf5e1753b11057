"""Collectors: only trained collectors with a valid credential call or visit; visits need two."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from compliance import Decision
from compliance.rules import CollectorCredentialRule
from tests.compliance.calls.log import FakeLog, cn_subject, collector, subject

NEW_YORK = ZoneInfo("America/New_York")
BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)
EXPIRED = collector("c-old", expires=date(2026, 11, 29))


async def test_a_call_by_a_collector_with_an_expired_credential_is_blocked() -> None:
    result = await CollectorCredentialRule().check(
        subject(NOW, FakeLog(), collector_ids=("c-old",), collectors=(EXPIRED,))
    )
    assert result.decision is Decision.BLOCK
    assert result.rule_id == "collector.credential"
    assert "c-old's credential expired on 2026-11-29" in result.reason
    assert result.citation == "Company policy (seed): collectors"


async def test_a_trained_collector_and_an_automated_reminder_may_call() -> None:
    rule, ok = CollectorCredentialRule(), collector("c-1")
    named = await rule.check(subject(NOW, FakeLog(), collector_ids=("c-1",), collectors=(ok,)))
    assert named.decision is Decision.ALLOW
    automated = await rule.check(subject(NOW, FakeLog()))
    assert automated.decision is Decision.ALLOW
    assert automated.reason == "automated call: no collector"
    text = await rule.check(subject(NOW, FakeLog(), channel="sms"))
    assert text.decision is Decision.ALLOW


async def test_unknown_untrained_and_inactive_collectors_are_blocked() -> None:
    rule = CollectorCredentialRule()
    cases = {
        "c-ghost": ((), "not in the registry"),
        "c-new": ((collector("c-new", trained_on=None),), "has not passed training"),
        "c-soon": ((collector("c-soon", trained_on=date(2026, 12, 1)),), "only on 2026-12-01"),
        "c-gone": ((collector("c-gone", active=False),), "is not active"),
    }
    for collector_id, (facts, why) in cases.items():
        result = await rule.check(
            subject(NOW, FakeLog(), collector_ids=(collector_id,), collectors=facts)
        )
        assert result.decision is Decision.BLOCK, collector_id
        assert collector_id in result.reason and why in result.reason


async def test_the_credential_is_valid_through_its_last_local_day() -> None:
    last_day = collector("c-1", expires=date(2026, 11, 30))
    late = datetime(2026, 11, 30, 20, 30, tzinfo=NEW_YORK)  # 01:30 UTC on 1 December
    result = await CollectorCredentialRule().check(
        subject(late, FakeLog(), collector_ids=("c-1",), collectors=(last_day,))
    )
    assert result.decision is Decision.ALLOW
    assert result.inputs["local_dates"] == ["2026-11-30"]


def visit(at: datetime, *collectors_: object, **overrides: object) -> dict[str, object]:
    ids = tuple(c.collector_id for c in collectors_)  # type: ignore[attr-defined]
    return {"channel": "visit", "destination": "", "contact_at": at, "collector_ids": ids,
            "collectors": collectors_, **overrides}  # fmt: skip


async def test_a_visit_with_one_valid_and_one_expired_collector_names_the_expired_one() -> None:
    at = datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
    result = await CollectorCredentialRule().check(
        cn_subject(NOW, FakeLog(), **visit(at, collector("c-1"), EXPIRED))
    )
    assert result.decision is Decision.BLOCK
    assert "c-old" in result.reason and "c-1" not in result.reason
    assert result.inputs["valid"] == ["c-1"]
    assert "Company policy (seed): on-site visits" in result.citation


async def test_a_visit_needs_two_valid_collectors() -> None:
    rule, at = CollectorCredentialRule(), datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
    two = await rule.check(cn_subject(NOW, FakeLog(), **visit(at, collector("a"), collector("b"))))
    assert two.decision is Decision.ALLOW and two.inputs["min_collectors"] == 2
    one = await rule.check(cn_subject(NOW, FakeLog(), **visit(at, collector("a"))))
    assert one.decision is Decision.BLOCK
    assert "needs 2 or more collectors" in one.reason


async def test_a_visit_is_checked_on_its_own_beijing_date() -> None:
    # Booked for 00:30 Beijing on 1 December; the credential ran through 30 November.
    at = datetime(2026, 12, 1, 0, 30, tzinfo=BEIJING)
    through_30 = collector("b", expires=date(2026, 11, 30))
    result = await CollectorCredentialRule().check(
        cn_subject(NOW, FakeLog(), **visit(at, collector("a"), through_30))
    )
    assert result.decision is Decision.BLOCK
    assert "b's credential expired on 2026-11-30" in result.reason
    assert result.inputs["local_dates"] == ["2026-12-01"]


async def test_where_the_debtor_is_unknown_every_possible_local_date_is_checked() -> None:
    at = datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    through_30 = collector("b", expires=date(2026, 11, 30))
    result = await CollectorCredentialRule().check(
        subject(NOW, FakeLog(), debtor_time_zone=None, **visit(at, collector("a"), through_30))
    )
    assert result.decision is Decision.BLOCK
    assert result.inputs["local_dates"] == ["2026-11-30", "2026-12-01"]
