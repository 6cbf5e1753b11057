"""What a compliance rule answers: allow, defer until a time, or block — with its reasons.

Each answer carries an English ``reason`` (as the API and sealed verdicts always have)
and a stable ``code`` with ``params``: the key of its text in the people's catalogs
(``dispatcher/i18n/catalogs/reasons.*.toml``, ``code.<code>``) and the values that text
names. Times in ``params`` are aware datetimes (ISO 8601 in JSON); pages show them on
the debtor's clock. Without a ``code``, an allow reads ``allowed`` and any other answer
its ``rule_id``. Its ``citation`` is English too; ``citations`` has the same sources in
the other languages its pack names them in (``compliance/citations.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["ALLOWED", "Decision", "RuleResult", "Verdict"]

ALLOWED = "allowed"  # the code of a plain "ok"


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
    code: str = ""  # the reason's catalog key; "" means the default (see the module doc)
    params: dict[str, Any] = field(default_factory=dict)  # what the reason's text names
    # ``citation`` in other languages, where the pack names its sources in them (citations.py)
    citations: dict[str, str] = field(default_factory=dict)

    @property
    def reason_code(self) -> str:
        if self.code:
            return self.code
        return ALLOWED if self.decision is Decision.ALLOW else self.rule_id

    @classmethod
    def allow(
        cls,
        rule_id: str,
        citation: str,
        reason: str = "ok",
        *,
        code: str = ALLOWED,
        params: Mapping[str, Any] | None = None,
        citations: Mapping[str, str] | None = None,
        **inputs: Any,
    ) -> RuleResult:
        return cls(
            rule_id, Decision.ALLOW, reason, citation, None, inputs, code, dict(params or {}),
            dict(citations or {}),
        )

    @classmethod
    def block(
        cls,
        rule_id: str,
        citation: str,
        reason: str,
        *,
        code: str = "",
        params: Mapping[str, Any] | None = None,
        citations: Mapping[str, str] | None = None,
        **inputs: Any,
    ) -> RuleResult:
        return cls(
            rule_id, Decision.BLOCK, reason, citation, None, inputs, code, dict(params or {}),
            dict(citations or {}),
        )

    @classmethod
    def defer(
        cls,
        rule_id: str,
        citation: str,
        reason: str,
        until: datetime,
        *,
        code: str = "",
        params: Mapping[str, Any] | None = None,
        citations: Mapping[str, str] | None = None,
        **inputs: Any,
    ) -> RuleResult:
        return cls(
            rule_id, Decision.DEFER, reason, citation, until, inputs, code, dict(params or {}),
            dict(citations or {}),
        )

    def to_json(self) -> dict[str, Any]:
        shown = {
            "rule_id": self.rule_id,
            "decision": self.decision.value,
            "reason": self.reason,
            "code": self.reason_code,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "citation": self.citation,
            "until": self.until.isoformat() if self.until else None,
            "inputs": self.inputs,
        }
        if self.citations:  # recorded only where a pack names its sources in other languages
            shown["citations"] = dict(self.citations)
        return shown


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Verdict:
    """The gate's combined answer: any block blocks; otherwise the latest defer wins."""

    decision: Decision
    results: tuple[RuleResult, ...]
    evaluated_at: datetime
    time_zone: str | None = None  # the debtor's zone, when known: ``until_local`` is on it

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

    @property
    def until_local(self) -> str | None:
        """``until`` on the debtor's clock, ISO 8601 with its offset (``...T08:00:00+08:00``)."""
        if self.until is None or self.time_zone is None:
            return None
        return self.until.astimezone(ZoneInfo(self.time_zone)).isoformat()

    def to_json(self) -> dict[str, Any]:
        deciding = self.deciding
        return {
            "decision": self.decision.value,
            "rule_id": deciding.rule_id if deciding else None,
            "reason": deciding.reason if deciding else None,
            "code": deciding.reason_code if deciding else None,
            "citation": deciding.citation if deciding else None,
            **({"citations": dict(deciding.citations)} if deciding and deciding.citations else {}),
            "until": self.until.isoformat() if self.until else None,
            "time_zone": self.time_zone,
            "until_local": self.until_local,
            "evaluated_at": self.evaluated_at.isoformat(),
            "rules": [r.to_json() for r in self.results],
        }
