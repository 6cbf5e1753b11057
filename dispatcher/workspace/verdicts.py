"""A stored verdict in plain language: which rule decided, why (in the reader's language,
with times on the debtor's clock), the inputs it looked at, and the citation of the pack
that applied. The reason's text is the rule's ``code`` in the ``reasons`` catalogs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatcher.i18n import format_local, format_utc, has_key, translate

__all__ = ["PlainRule", "PlainVerdict", "plain_verdict"]


@dataclass(frozen=True)
class PlainRule:
    rule_id: str
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
    until = _instant(result.get("until"))
    return PlainRule(
        rule_id=str(result.get("rule_id", "")),
        decision=str(result.get("decision", "")),
        reason=reason_text(result, locale, zone),
        citation=str(result.get("citation") or ""),
        inputs=dict(result.get("inputs") or {}),
        until=format_local(until, zone, locale) if until else None,
        until_utc=format_utc(until, locale) if until else None,
    )


def reason_text(result: dict[str, Any], locale: str, zone: str) -> str:
    """The rule's reason from the catalogs, its times on the debtor's clock; a reason
    no catalog has yet is shown as recorded, marked as untranslated."""
    code = result.get("code")
    key = f"reasons.code.{code}"
    if code and has_key(locale, key):
        params = {k: _shown(v, locale, zone) for k, v in (result.get("params") or {}).items()}
        try:
            return translate(locale, key, **params)
        except KeyError:
            pass
    recorded = str(result.get("reason") or result.get("rule_id") or "")
    if locale == "en-US":
        return recorded
    return translate(locale, "workspace.verdict.as_recorded", reason=recorded)


def _shown(value: Any, locale: str, zone: str) -> Any:
    instant = _instant(value)
    return format_local(instant, zone, locale) if instant else value


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-" or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
