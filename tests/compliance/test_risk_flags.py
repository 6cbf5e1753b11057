"""Risk flags (seed 4) stop contact as the packs say: complaint and media attention until a
supervisor reviews, vulnerable by letter only, litigation all but counsel's letters,
deceased and fraud suspected everything. Unit tests on the rule, then through the real
gate, worker and contact log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from compliance import AttemptCount, AttemptFact, CheckSubject, ComplianceGate, Decision, HoldFact
from compliance.packs import PackLoader, load_packs
from compliance.packs.loader import BUILTIN_DIR
from compliance.rules import RiskFlagsRule
from compliance.rules.risk_flags import RiskFlagFact
from dispatcher.i18n import explain
from dispatcher.risk_flags.store import FlagNotSet, clear_flag, review_flag, set_flag
from tests.dispatcher.conftest import Stack, stack, stack_options  # noqa: F401

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CHANNELS = ("voice", "sms", "email", "letter", "visit")


class Facts:
    def __init__(self, *flags: RiskFlagFact) -> None:
        self.flags = list(flags)

    async def active_holds(self, **_: object) -> list[HoldFact]:
        return []

    async def count_attempts(self, **_: object) -> AttemptCount:
        return AttemptCount(0, None)

    async def latest_attempt(self, **_: object) -> AttemptFact | None:
        return None

    async def risk_flags(self, *, debtor_ref: str) -> list[RiskFlagFact]:
        return self.flags


class NoFlags(Facts):
    """Facts that cannot say what the flags are (a log without the method)."""

    risk_flags = None  # type: ignore[assignment]


def flagged(flag: str, *, reviewed: bool = False) -> RiskFlagFact:
    set_at = NOW - timedelta(days=1)
    return RiskFlagFact(
        flag, set_at, "collector:c-1", "called to complain",
        reviewed_at=NOW if reviewed else None, reviewed_by="compliance:cp-1" if reviewed else None,
    )  # fmt: skip


def subject(facts: Facts, channel: str = "sms", template: str = "overdue_reminder") -> CheckSubject:
    return CheckSubject(
        message_id="m1", channel=channel, debtor_ref="D-1001", account_ref="A-1",
        destination="+8613800138000", locale="zh-CN", template_name=template,
        template_version="v1", body="您好", render_error=None, segments=1, now=NOW,
        facts=facts, packs=("cn", "org"), debtor_time_zone="Asia/Shanghai",
    )  # fmt: skip


async def decisions(flag: RiskFlagFact) -> dict[str, Decision]:
    rule = RiskFlagsRule()
    facts = Facts(flag)
    return {c: (await rule.check(subject(facts, c))).decision for c in CHANNELS}


BLOCK, ALLOW = Decision.BLOCK, Decision.ALLOW


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("complaint", dict.fromkeys(CHANNELS, BLOCK)),
        ("media_attention", dict.fromkeys(CHANNELS, BLOCK)),
        ("vulnerable", {**dict.fromkeys(CHANNELS, BLOCK), "letter": ALLOW}),
        ("litigation", dict.fromkeys(CHANNELS, BLOCK)),
        ("deceased", dict.fromkeys(CHANNELS, BLOCK)),
        ("fraud_suspected", dict.fromkeys(CHANNELS, BLOCK)),
    ],
)
async def test_each_flag_stops_the_channels_the_org_pack_names(
    flag: str, expected: dict[str, Decision]
) -> None:
    assert await decisions(flagged(flag)) == expected


@pytest.mark.parametrize("flag", ["complaint", "media_attention"])
async def test_a_review_lets_contact_resume(flag: str) -> None:
    assert set((await decisions(flagged(flag, reviewed=True))).values()) == {ALLOW}


async def test_a_reviewed_flag_that_blocks_stays_blocking() -> None:
    assert set((await decisions(flagged("deceased", reviewed=True))).values()) == {BLOCK}


async def test_the_refusal_names_the_flag_and_cites_the_pack_in_both_languages() -> None:
    verdict = await ComplianceGate([RiskFlagsRule()]).evaluate(subject(Facts(flagged("complaint"))))
    stored = verdict.to_json()

    assert stored["rule_id"] == "risk.flags" and stored["code"] == "risk.review_needed"
    assert stored["citation"].startswith("Seed 4 (risk management)")
    assert "complaint flag set 2026-11-30 by collector:c-1" in stored["reason"]
    (zh,) = explain(stored, "zh-CN", "Asia/Shanghai")
    assert zh.startswith("风险标记：债务人被标记为“投诉”（collector:c-1 于 2026年11月30日 10:00")
    assert "下一次联系前须经主管复核（org:risk_complaint）" in zh
    (en,) = explain(stored, "en-US", "Asia/Shanghai")
    assert "flagged “complaint”" in en and "a supervisor must review it" in en


async def test_counsels_letter_passes_litigation_when_its_pack_lists_the_template(
    tmp_path: Path,
) -> None:
    org = (BUILTIN_DIR / "org.toml").read_text(encoding="utf-8")
    assert "except_templates = []" in org
    (tmp_path / "org.toml").write_text(
        org.replace("except_templates = []", 'except_templates = ["counsel_letter"]'),
        encoding="utf-8",
    )
    rule = RiskFlagsRule(pack_loader=PackLoader([tmp_path, BUILTIN_DIR]).load_packs)
    facts = Facts(flagged("litigation"))

    counsel = await rule.check(subject(facts, "letter", template="counsel_letter"))
    reminder = await rule.check(subject(facts, "letter", template="reminder"))
    call = await rule.check(subject(facts, "voice", template="counsel_letter"))

    assert counsel.decision is ALLOW
    assert reminder.decision is BLOCK and reminder.code == "risk.block"
    assert call.decision is ALLOW  # the listed template passes on any channel it is used on


async def test_facts_that_cannot_tell_the_flags_fail_closed() -> None:
    result = await RiskFlagsRule().check(subject(NoFlags()))
    assert result.decision is BLOCK and result.code == "risk.unreadable"


async def test_packs_without_risk_flag_rules_change_nothing() -> None:
    result = await RiskFlagsRule(pack_loader=lambda _: load_packs(["cn"])).check(subject(NoFlags()))
    assert result.decision is ALLOW and result.code == "risk.no_rules"


async def test_through_the_worker_a_complaint_blocks_until_a_supervisor_reviews(
    stack: Stack,  # noqa: F811
) -> None:
    engine, now = stack.log.engine, stack.clock.now()
    # Given a complaint flag set by a collector
    created, state = await set_flag(
        engine, "D-1", "complaint", reason="debtor complained about tone",
        actor="collector:c-1", role="collector", at=now,
    )  # fmt: skip
    assert created and state.reviewed_at is None
    again, _ = await set_flag(
        engine, "D-1", "complaint", reason="twice", actor="collector:c-2", role="collector", at=now
    )
    assert not again  # already set: nothing written

    # When a text is sent, then it is blocked by risk.flags
    blocked_id = await stack.send(idempotency_key="risk-1")
    await stack.run_worker()
    blocked = await stack.view(blocked_id)
    assert blocked.status == "blocked"
    assert blocked.message["verdict"]["rule_id"] == "risk.flags"
    assert blocked.message["verdict"]["code"] == "risk.review_needed"
    assert stack.twilio.messages == {}  # nothing reached the provider

    # When a supervisor reviews it, then the next text goes
    reviewed, state = await review_flag(
        engine, "D-1", "complaint", reason="called back, resolved", actor="compliance:cp-1",
        role="compliance", at=now,
    )  # fmt: skip
    assert reviewed and state.reviewed_by == "compliance:cp-1"
    sent_id = await stack.send(idempotency_key="risk-2")
    await stack.run_worker()
    assert (await stack.view(sent_id)).status in {"sent", "delivered"}
    assert len(stack.twilio.messages) == 1


async def test_through_the_worker_a_deceased_flag_blocks_until_cleared(
    stack: Stack,  # noqa: F811
) -> None:
    engine, now = stack.log.engine, stack.clock.now()
    await set_flag(engine, "D-1", "deceased", reason="family called", actor="collector:c-1",
                   role="collector", at=now)  # fmt: skip
    first = await stack.send(idempotency_key="dec-1")
    await stack.run_worker()
    assert (await stack.view(first)).message["verdict"]["code"] == "risk.block"

    await clear_flag(engine, "D-1", "deceased", reason="wrong person: the debtor's father",
                     actor="compliance:cp-1", role="compliance", at=now)  # fmt: skip
    with pytest.raises(FlagNotSet):
        await clear_flag(engine, "D-1", "deceased", reason="again", actor="compliance:cp-1",
                         role="compliance", at=now)  # fmt: skip
    second = await stack.send(idempotency_key="dec-2")
    await stack.run_worker()
    assert (await stack.view(second)).status in {"sent", "delivered"}
