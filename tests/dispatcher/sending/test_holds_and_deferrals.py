"""Holds stop messages already queued; deferrals wait and re-check; past validity, expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from compliance import CheckSubject, RuleResult
from compliance.rules import HoldsRule, RendersWithinLimit
from tests.dispatcher.conftest import Stack, reminder


class DeferUntil:
    """A stand-in for a time rule: defers everything before ``until``."""

    id, citation = "test.defer", "test"

    def __init__(self, until: datetime) -> None:
        self.until = until

    async def check(self, subject: CheckSubject) -> RuleResult:
        if subject.now < self.until:
            return RuleResult.defer(self.id, self.citation, "quiet hours", self.until)
        return RuleResult.allow(self.id, self.citation)


def rules(*extra: object) -> list[object]:
    return [RendersWithinLimit(max_sms_segments=6), HoldsRule(), *extra]


async def test_a_hold_set_while_texts_are_queued_stops_them(stack: Stack) -> None:
    queued = [await stack.send(idempotency_key=f"q{i}") for i in range(3)]
    other = await stack.send(idempotency_key="other", debtor_ref="D-2",
                             destination="+1 212 555 0134")

    await stack.log.add_hold(kind="cease", debtor_ref="D-1", set_by="compliance-7",
                             source="api", reason="debtor asked in writing to stop")
    await stack.run_worker()

    for message_id in queued:
        message = (await stack.view(message_id)).message
        assert message["status"] == "blocked"
        assert message["verdict"]["rule_id"] == "hold.active"
        assert "cease hold on the debtor" in message["verdict"]["reason"]
    assert (await stack.view(other)).status in {"sent", "delivered"}
    assert [r.form["To"] for r in stack.twilio.requests] == ["+12125550134"]


async def test_a_lifted_hold_no_longer_applies(stack: Stack) -> None:
    await stack.log.add_hold(kind="dispute", debtor_ref="D-1", set_by="c-1", source="api",
                             reason="disputes the amount")
    assert await stack.log.lift_hold(kind="dispute", debtor_ref="D-1", lifted_by="c-1") == 1
    message_id = await stack.send()
    await stack.run_worker()
    assert (await stack.view(message_id)).status in {"sent", "delivered"}


class DeferFromFirstCheck:
    """Defers until half a second after the first check, however late that check comes
    (a deadline fixed before the worker starts could pass on a busy machine first)."""

    id, citation = DeferUntil.id, DeferUntil.citation

    def __init__(self) -> None:
        self.until: datetime | None = None

    async def check(self, subject: CheckSubject) -> RuleResult:
        if self.until is None:
            self.until = subject.now + timedelta(seconds=0.5)
        return await DeferUntil(self.until).check(subject)


async def test_a_deferred_message_waits_then_goes_when_allowed(stack: Stack) -> None:
    message_id = await stack.send()
    rule = DeferFromFirstCheck()

    await stack.run_worker(rules=rules(rule))

    view = await stack.view(message_id)
    assert view.status in {"sent", "delivered"}
    statuses = [e.status for e in view.events]
    assert statuses[:2] == ["queued", "deferred"]
    deferred = next(e for e in view.events if e.status == "deferred")
    assert deferred.detail["rule_id"] == "test.defer"
    assert rule.until is not None and deferred.detail["until"] == rule.until.isoformat()


async def test_a_deferral_past_the_validity_blocks_as_expired(stack: Stack) -> None:
    now = stack.clock.now()
    message_id = (
        await stack.client.send(reminder(valid_until=now + timedelta(hours=1)))
    ).message_id

    await stack.run_worker(rules=rules(DeferUntil(now + timedelta(hours=10))))

    message = (await stack.view(message_id)).message
    assert message["status"] == "blocked"
    assert message["verdict"]["rule_id"] == "message.expired"
    assert len(stack.twilio.requests) == 0


class DeferTimes:
    """Defers the first ``times`` checks by a moment each (like a pause being re-checked)."""

    id, citation = "test.pause", "test"

    def __init__(self, times: int) -> None:
        self.left = times

    async def check(self, subject: CheckSubject) -> RuleResult:
        if self.left > 0:
            self.left -= 1
            return RuleResult.defer(self.id, self.citation, "paused",
                                    subject.now + timedelta(seconds=0.05))  # fmt: skip
        return RuleResult.allow(self.id, self.citation)


async def test_the_same_rule_deferring_again_logs_one_event_not_one_per_check(
    stack: Stack,
) -> None:
    message_id = await stack.send()

    await stack.run_worker(rules=rules(DeferTimes(4)))

    view = await stack.view(message_id)
    assert view.status in {"sent", "delivered"}
    assert [e.status for e in view.events].count("deferred") == 1
