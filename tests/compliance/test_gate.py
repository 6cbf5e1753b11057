"""The gate: every rule runs, any block blocks, the latest defer wins, a crash fails closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from compliance import AttemptCount, CheckSubject, ComplianceGate, Decision, HoldFact, RuleResult
from compliance.rules import HoldsRule, RendersWithinLimit

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class Facts:
    """An in-memory contact log with the given holds."""

    def __init__(self, *holds: HoldFact) -> None:
        self.holds = list(holds)

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]:
        return [
            h for h in self.holds
            if h.channel in (None, channel) and h.destination in (None, destination)
        ]  # fmt: skip

    async def count_attempts(self, **_: object) -> AttemptCount:
        return AttemptCount(0, None)


def hold(kind: str, **overrides: object) -> HoldFact:
    fields: dict[str, object] = {
        "kind": kind, "channel": None, "destination": None, "reason": "asked",
        "source": "api", "set_by": "compliance-1", "created_at": NOW,
    }  # fmt: skip
    fields.update(overrides)
    return HoldFact(**fields)  # type: ignore[arg-type]


def subject(**overrides: object) -> CheckSubject:
    fields: dict[str, object] = {
        "message_id": "m1", "channel": "sms", "debtor_ref": "D-1", "account_ref": None,
        "destination": "+12015550123", "locale": "en-US", "template_name": "overdue_reminder",
        "template_version": "abc", "body": "Hello", "render_error": None, "segments": 1,
        "now": NOW, "facts": Facts(),
    }  # fmt: skip
    fields.update(overrides)
    return CheckSubject(**fields)  # type: ignore[arg-type]


class Fixed:
    def __init__(self, rule_id: str, result: RuleResult) -> None:
        self.id, self.citation, self.result = rule_id, "test", result

    async def check(self, subject: CheckSubject) -> RuleResult:
        return self.result


class Crashing:
    id, citation = "crashes", "test"

    async def check(self, subject: CheckSubject) -> RuleResult:
        raise ZeroDivisionError("boom")


async def test_everything_allowed_is_allowed_and_every_rule_is_recorded() -> None:
    gate = ComplianceGate([RendersWithinLimit(max_sms_segments=2), HoldsRule()])
    verdict = await gate.evaluate(subject())
    assert verdict.decision is Decision.ALLOW
    assert [r["rule_id"] for r in verdict.to_json()["rules"]] == [
        "template.renders_within_limit",
        "hold.active",
    ]


async def test_a_crashing_rule_blocks_and_says_so() -> None:
    verdict = await ComplianceGate([Crashing()]).evaluate(subject())
    assert verdict.decision is Decision.BLOCK
    assert verdict.deciding is not None
    assert verdict.deciding.rule_id == "crashes"
    assert "failed closed" in verdict.deciding.reason
    assert "ZeroDivisionError" in verdict.deciding.reason


async def test_a_block_wins_over_a_defer_and_the_latest_defer_wins_over_others() -> None:
    soon, later = NOW + timedelta(hours=1), NOW + timedelta(hours=5)
    defer_soon = Fixed("a", RuleResult.defer("a", "t", "quiet", soon))
    defer_later = Fixed("b", RuleResult.defer("b", "t", "cap", later))
    block = Fixed("c", RuleResult.block("c", "t", "no"))

    deferred = await ComplianceGate([defer_soon, defer_later]).evaluate(subject())
    assert (deferred.decision, deferred.until) == (Decision.DEFER, later)

    blocked = await ComplianceGate([defer_soon, block, defer_later]).evaluate(subject())
    assert blocked.decision is Decision.BLOCK
    assert len(blocked.results) == 3


async def test_a_defer_without_a_time_fails_closed() -> None:
    broken = RuleResult(rule_id="x", decision=Decision.DEFER, reason="later", citation="t")
    verdict = await ComplianceGate([Fixed("x", broken)]).evaluate(subject())
    assert verdict.decision is Decision.BLOCK


async def test_render_rule_blocks_errors_empty_and_too_long_texts() -> None:
    rule = RendersWithinLimit(max_sms_segments=2)
    failed = await rule.check(subject(body=None, render_error="missing variable 'amount'"))
    assert failed.decision is Decision.BLOCK and "amount" in failed.reason
    assert (await rule.check(subject(body="  "))).decision is Decision.BLOCK
    too_long = await rule.check(subject(segments=3))
    assert too_long.decision is Decision.BLOCK and too_long.inputs["segments"] == 3


async def test_holds_block_by_destination_by_debtor_and_honour_cease_exceptions() -> None:
    rule = HoldsRule(allowed_after_cease=frozenset({"cease_confirmation"}))
    opted_out = Facts(hold("opt_out", channel="sms", destination="+12015550123"))
    assert (await rule.check(subject(facts=opted_out))).decision is Decision.BLOCK
    assert (
        await rule.check(subject(facts=opted_out, destination="+12015550999"))
    ).decision is Decision.ALLOW
    assert (await rule.check(subject(facts=opted_out, channel="letter"))).decision is Decision.ALLOW

    ceased = Facts(hold("cease"))
    blocked = await rule.check(subject(facts=ceased))
    assert blocked.decision is Decision.BLOCK
    assert "cease hold on the debtor" in blocked.reason
    assert blocked.citation.startswith("12 CFR 1006.6(c); ")  # us-regf, then org's policy
    confirmation = await rule.check(subject(facts=ceased, template_name="cease_confirmation"))
    assert confirmation.decision is Decision.ALLOW

    no_visits = Facts(hold("do_not_visit"))
    assert (await rule.check(subject(facts=no_visits))).decision is Decision.ALLOW
    assert (await rule.check(subject(facts=no_visits, channel="visit"))).decision is Decision.BLOCK


async def test_us_texts_must_carry_the_opt_out_instruction() -> None:
    from compliance.rules import RequiredContentRule

    rule = RequiredContentRule()
    us = {"packs": ("us-regf", "org")}
    with_stop = subject(body="Harbor Recovery: please call us. Reply  stop to stop texts.", **us)
    assert (await rule.check(with_stop)).decision is Decision.ALLOW
    without = await rule.check(subject(body="Harbor Recovery: please call us.", **us))
    assert without.decision is Decision.BLOCK
    assert without.citation == "12 CFR 1006.6(e)" and "Reply STOP" in without.reason
    chinese = subject(body="【安信资产】请致电400-820-1234。", packs=("cn", "org"))
    assert (await rule.check(chinese)).decision is Decision.ALLOW
