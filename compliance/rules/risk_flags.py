"""Risk flags on a debtor (seed 4) change what contact may go, as the packs say.

The packs' ``[[risk_flags]]`` rules name a flag, an effect and the channels it covers:
``block`` stops every contact on those channels while the flag is set;
``supervisor_review`` stops them until a supervisor has reviewed the flag since it was
last set. A contact rendered from one of a rule's ``except_templates`` passes it (counsel's
letters during litigation). Every pack's rule applies, so the strictest wins.

The flags are read from the contact log in the decision window (``RiskFlagFacts``, which
the dispatcher's debtor session provides). Facts that cannot answer block: not knowing
whether a debtor is flagged deceased is no reason to contact them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeGuard, runtime_checkable

from compliance.citations import joined
from compliance.gate import CheckSubject
from compliance.hours.zones import UnknownLocation, country_of
from compliance.packs import PackError, PackSet, RiskFlagRule, load_packs, packs_for
from compliance.verdict import RuleResult

__all__ = ["RiskFlagFact", "RiskFlagFacts", "RiskFlagsRule"]


@dataclass(frozen=True)
class RiskFlagFact:
    """A flag set on the debtor now, as the rule sees it."""

    flag: str
    set_at: datetime
    set_by: str
    reason: str
    reviewed_at: datetime | None = None  # the latest supervisor review since it was set
    reviewed_by: str | None = None


@runtime_checkable
class RiskFlagFacts(Protocol):
    async def risk_flags(self, *, debtor_ref: str) -> list[RiskFlagFact]: ...


def _reads_risk_flags(facts: object) -> TypeGuard[RiskFlagFacts]:
    # isinstance() on a protocol walks the protocol's attributes each time (tens of µs on
    # every message); issubclass() of the class is cached, and says the same for a class
    # that has the method. The instance check remains for anything else.
    return issubclass(type(facts), RiskFlagFacts) or isinstance(facts, RiskFlagFacts)


class RiskFlagsRule:
    id = "risk.flags"
    citation = "Risk flags of the debtor's rule packs (seed 4, risk management)"
    citations = (
        (
            "zh-CN",
            "债务人适用规则包的风险标记规定（《催收项目实施管理办法》四、催收风险管理）",
        ),
    )

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        try:
            packs = self.pack_loader(subject.packs or packs_for(country_of(subject.destination)))
        except (PackError, UnknownLocation) as exc:
            return RuleResult.block(
                self.id, self.citation, f"no rule packs: {exc}",
                code="packs.unavailable", params={"error": str(exc)},
            )  # fmt: skip
        if not any(p.risk_flags for p in packs.packs):
            return RuleResult.allow(
                self.id, self.citation, "no pack has risk flag rules",
                code="risk.no_rules", packs=list(packs.ids),
            )  # fmt: skip
        if not _reads_risk_flags(subject.facts):
            return RuleResult.block(
                self.id, self.citation,
                "the debtor's risk flags cannot be read here; failed closed",
                code="risk.unreadable",
            )  # fmt: skip
        flags = await subject.facts.risk_flags(debtor_ref=subject.debtor_ref)
        inputs: dict[str, Any] = {
            "packs": list(packs.ids), "pack_versions": packs.versions,
            "flags": [_shown(f) for f in flags],
        }  # fmt: skip
        stopping = [
            (flag, rule)
            for flag in flags
            for rule in packs.risk_flag_rules(flag.flag, subject.channel)
            if _stops(rule, flag, subject)
        ]
        if not stopping:
            return RuleResult.allow(self.id, self.citation, **inputs)
        flag, rule = stopping[0]
        citation, citations = joined((r.citation, r.citations) for f, r in stopping if f is flag)
        inputs["applied"] = [r.ref for _, r in stopping]
        params = {
            "flag": flag.flag, "set_at": flag.set_at, "set_by": flag.set_by,
            "note": flag.reason, "rule": rule.ref, "channel": subject.channel,
        }  # fmt: skip
        if rule.effect == "supervisor_review":
            return RuleResult.block(
                self.id, citation,
                f"{flag.flag} flag set {flag.set_at:%Y-%m-%d} by {flag.set_by} ({flag.reason}): "
                f"a supervisor must review it before the next contact ({rule.ref})",
                code="risk.review_needed", params=params, citations=citations, **inputs,
            )  # fmt: skip
        return RuleResult.block(
            self.id, citation,
            f"{flag.flag} flag set {flag.set_at:%Y-%m-%d} by {flag.set_by} ({flag.reason}): "
            f"no {subject.channel} contact while it is set ({rule.ref})",
            code="risk.block", params=params, citations=citations, **inputs,
        )  # fmt: skip


def _stops(rule: RiskFlagRule, flag: RiskFlagFact, subject: CheckSubject) -> bool:
    if subject.template_name in rule.except_templates:
        return False
    if rule.effect == "supervisor_review":
        return flag.reviewed_at is None
    return True


def _shown(flag: RiskFlagFact) -> dict[str, Any]:
    return {
        "flag": flag.flag, "set_at": flag.set_at.isoformat(), "set_by": flag.set_by,
        "reason": flag.reason,
        "reviewed_at": flag.reviewed_at.isoformat() if flag.reviewed_at else None,
        "reviewed_by": flag.reviewed_by,
    }  # fmt: skip
