"""A stored verdict as the pages show it: which rule decided, why (in the reader's
language, with times on the debtor's clock — the i18n room's ``explain_result``), the
inputs it looked at, and the citation of the pack that applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatcher.i18n.verdicts import explain_result

__all__ = ["PlainRule", "PlainVerdict", "plain_verdict"]


@dataclass(frozen=True)
class PlainRule:
    rule_id: str
    rule: str  # the rule's name, in the reader's language
    decision: str
    reason: str  # in the reader's language
    citation: str
    inputs: dict[str, Any]
    until: str | None  # on the debtor's clock
    until_utc: str | None


@dataclass(frozen=True)
class PlainVerdict:
    decision: str
    deciding: PlainRule | None
    rules: list[PlainRule]


def plain_verdict(verdict: dict[str, Any] | None, locale: str, zone: str) -> PlainVerdict | None:
    if not verdict:
        return None
    rules = [_rule(r, locale, zone) for r in verdict.get("rules", [])]
    deciding = next(
        (
            r for r in rules
            if r.rule_id == verdict.get("rule_id") and r.decision == verdict.get("decision")
        ),
        None,
    )  # fmt: skip
    return PlainVerdict(str(verdict.get("decision", "")), deciding, rules)


def _rule(result: dict[str, Any], locale: str, zone: str) -> PlainRule:
    explained = explain_result(result, locale, zone)
    return PlainRule(
        rule_id=explained.rule_id,
        rule=explained.rule,
        decision=explained.decision,
        reason=explained.text or explained.rule_id,
        citation=explained.citation,
        inputs=dict(result.get("inputs") or {}),
        until=explained.until_local,
        until_utc=explained.until_utc,
    )
