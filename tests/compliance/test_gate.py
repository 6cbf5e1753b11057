"""The gate: every rule runs, any block blocks, the latest defer wins, a crash fails closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from compliance import CheckSubject, ComplianceGate, Decision, RuleResult
from compliance.rules import DestinationNotOptedOut, RendersWithinLimit

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class NoHolds:
    async def is_opted_out(self, *, channel: str, destination: str) -> bool:
        return False


class OptedOut:
    async def is_opted_out(self, *, channel: str, destination: str) -> bool:
        return destination == "+12015550123"


def subject(**overrides: object) -> CheckSubject:
    fields: dict[str, object] = {
        "message_id": "m1", "channel": "sms", "debtor_ref": "D-1", "account_ref": None,
        "destination": "+12015550123", "locale": "en-US", "template_name": "overdue_reminder",
        "template_version": "abc", "body": "Hello", "render_error": None, "segments": 1,
        "now": NOW, "facts": NoHolds(),
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
    gate = ComplianceGate([RendersWithinLimit(max_sms_segments=2), DestinationNotOptedOut()])
    verdict = await gate.evaluate(subject())
    assert verdict.decision is Decision.ALLOW
    assert [r["rule_id"] for r in verdict.to_json()["rules"]] == [
        "template.renders_within_limit", "hold.opt_out"
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


async def test_opt_out_rule_blocks_an_opted_out_destination() -> None:
    result = await DestinationNotOptedOut().check(subject(facts=OptedOut()))
    assert result.decision is Decision.BLOCK
