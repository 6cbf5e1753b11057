"""What a compliance rule answers: allow, defer until a time, or block — with its reasons."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Decision", "RuleResult", "Verdict"]


class Decision(enum.StrEnum):
    ALLOW = "allow"
    DEFER = "defer"
    BLOCK = "block"


@dataclass(frozen=True)
class RuleResult:
    """One rule's answer, with what it looked at: enough to replay the decision."""

    rule_id: str
    decision: Decision
    reason: str
    citation: str
    until: datetime | None = None  # only for DEFER: the earliest time the rule may allow it
    inputs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def allow(cls, rule_id: str, citation: str, reason: str = "ok", **inputs: Any) -> RuleResult:
        return cls(rule_id, Decision.ALLOW, reason, citation, inputs=inputs)

    @classmethod
    def block(cls, rule_id: str, citation: str, reason: str, **inputs: Any) -> RuleResult:
        return cls(rule_id, Decision.BLOCK, reason, citation, inputs=inputs)

    @classmethod
    def defer(
        cls, rule_id: str, citation: str, reason: str, until: datetime, **inputs: Any
    ) -> RuleResult:
        return cls(rule_id, Decision.DEFER, reason, citation, until=until, inputs=inputs)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "decision": self.decision.value,
            "reason": self.reason,
            "citation": self.citation,
            "until": self.until.isoformat() if self.until else None,
            "inputs": self.inputs,
        }


@dataclass(frozen=True)
class Verdict:
    """The gate's combined answer: any block blocks; otherwise the latest defer wins."""

    decision: Decision
    results: tuple[RuleResult, ...]
    evaluated_at: datetime

    @property
    def deciding(self) -> RuleResult | None:
        """The rule that made this verdict what it is (None when everything allowed)."""
        if self.decision is Decision.ALLOW:
            return None
        candidates = [r for r in self.results if r.decision is self.decision]
        if self.decision is Decision.DEFER:
            return max(candidates, key=lambda r: r.until or self.evaluated_at)
        return candidates[0]

    @property
    def until(self) -> datetime | None:
        deciding = self.deciding
        return deciding.until if deciding and self.decision is Decision.DEFER else None

    def to_json(self) -> dict[str, Any]:
        deciding = self.deciding
        return {
            "decision": self.decision.value,
            "rule_id": deciding.rule_id if deciding else None,
            "reason": deciding.reason if deciding else None,
            "citation": deciding.citation if deciding else None,
            "until": self.until.isoformat() if self.until else None,
            "evaluated_at": self.evaluated_at.isoformat(),
            "rules": [r.to_json() for r in self.results],
        }
