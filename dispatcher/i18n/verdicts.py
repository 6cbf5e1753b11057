"""A compliance verdict in plain language, for the people who read it.

    explain(message.verdict, "zh-CN", "Asia/Shanghai")
    → ['允许联系时段：不在 Asia/Shanghai 的允许时段 [08:00, 22:00) 之内；下一个允许时间是
        2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）。 依据：GB/T 45251-2025; ...']

Each rule result's text comes from ``reasons.code.<code>`` with the result's params (and
its ``until``); a value that is a time is shown on the debtor's clock with the zone, a
value with a ``reasons.term.<param>.<value>`` entry is translated, lists are joined, a
coded problem (``{"code", "params"}``: a template's render error) reads in the problems
catalog's words.
Verdicts recorded before reason codes existed (or whose text cannot be filled) show their
English ``reason`` as recorded: nothing recorded is ever hidden. The citation is the
one recorded in the reader's language (``citations``), else the English ``citation``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from compliance.citations import localized
from dispatcher.i18n.catalog import MissingParameter, has_key, translate
from dispatcher.i18n.terms import named_terms
from dispatcher.i18n.times import format_local, format_utc

__all__ = ["ExplainedResult", "explain", "explain_result", "explain_results", "reason_text"]

_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class ExplainedResult:
    """One rule's answer, ready for a page: names and text in the reader's language."""

    rule_id: str
    rule: str  # the rule's name
    decision: str  # allow, defer, block
    decision_label: str
    code: str
    text: str  # why, with its inputs, times on the debtor's clock
    citation: str  # what the pack that applied cites, in the reader's language if recorded
    until_local: str | None  # a deferral's next allowed time, on the debtor's clock
    until_utc: str | None  # the same in UTC (a hover title)

    def line(self, locale: str) -> str:
        text = translate(locale, "reasons.line.result", rule=self.rule, text=self.text)
        if not self.citation:
            return text
        return f"{text} {translate(locale, 'reasons.line.citation', citation=self.citation)}"


def _code_of(result: Mapping[str, Any]) -> str:
    code = result.get("code")
    if isinstance(code, str) and code:
        return code
    return "allowed" if result.get("decision") == "allow" else str(result.get("rule_id", ""))


def reason_text(result: Mapping[str, Any], locale: str, zone: str | None) -> str:
    """Why the rule answered as it did, in ``locale``; the recorded English reason when
    the catalog has no text for its code."""
    code = _code_of(result)
    key = f"reasons.code.{code}"
    if not has_key(locale, key):
        return str(result.get("reason") or "")
    values: dict[str, Any] = dict(result.get("inputs") or {})
    values.update(result.get("params") or {})
    if result.get("until"):
        values["until"] = result["until"]
    try:
        shown = {name: _shown(name, value, locale, zone) for name, value in values.items()}
        return translate(locale, key, **shown)
    except MissingParameter:
        return str(result.get("reason") or "")


def explain_result(result: Mapping[str, Any], locale: str, zone: str | None) -> ExplainedResult:
    rule_id = str(result.get("rule_id", ""))
    rule_key = f"reasons.rule.{rule_id}"
    decision = str(result.get("decision", ""))
    until = _instant(result.get("until"))
    return ExplainedResult(
        rule_id=rule_id,
        rule=translate(locale, rule_key) if has_key(locale, rule_key) else rule_id,
        decision=decision,
        decision_label=translate(locale, f"reasons.decision.{decision}")
        if has_key(locale, f"reasons.decision.{decision}")
        else decision,
        code=_code_of(result),
        text=reason_text(result, locale, zone),
        citation=localized(str(result.get("citation") or ""), result.get("citations"), locale),
        until_local=format_local(until, zone or "UTC", locale) if until else None,
        until_utc=format_utc(until, locale) if until else None,
    )


def explain(
    verdict: Mapping[str, Any] | None,
    locale: str,
    zone: str | None,
    *,
    include_allowed: bool = False,
) -> list[str]:
    """The verdict as lines of text: the deciding rule first, then every other rule that
    deferred or blocked (every rule, with ``include_allowed``). ``zone``: the debtor's
    (None: the verdict's own ``time_zone``, else the one zone its rules measured in, else
    UTC)."""
    return [r.line(locale) for r in explain_results(verdict, locale, zone, include_allowed)]


def explain_results(
    verdict: Mapping[str, Any] | None, locale: str, zone: str | None, include_allowed: bool = False
) -> list[ExplainedResult]:
    if not verdict:
        return []
    zone = zone or verdict.get("time_zone") or _measured_zone(verdict)
    results: Sequence[Mapping[str, Any]] = verdict.get("rules") or []
    chosen = [r for r in results if include_allowed or r.get("decision") != "allow"]
    deciding = verdict.get("rule_id")
    chosen.sort(key=lambda r: r.get("rule_id") != deciding)
    return [explain_result(r, locale, zone) for r in chosen]


def _shown(name: str, value: Any, locale: str, zone: str | None) -> str:
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return _problem(value, locale)
    if isinstance(value, list | tuple):
        if not value:
            return translate(locale, "common.list.empty")
        separator = translate(locale, "common.list.separator")
        return separator.join(_shown(name, v, locale, zone) for v in value)
    if value is None or value == "":
        return translate(locale, "common.list.empty")
    instant = _instant(value)
    if instant is not None:
        return format_local(instant, zone or "UTC", locale)
    term = f"reasons.term.{name}.{value}"
    if isinstance(value, str) and has_key(locale, term):
        return translate(locale, term)
    return str(value)


def _problem(problem: Mapping[str, Any], locale: str) -> str:
    """A coded problem (``{"code": "template.missing_variable", "params": {...}}``) in the
    problems catalog's words; ``MissingParameter`` (the recorded English shows) without."""
    key = f"problems.field.{problem.get('code')}"
    if not has_key(locale, key):
        raise MissingParameter(f"no {locale} text for {key!r}")
    return translate(locale, key, **named_terms(problem.get("params") or {}, locale))


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str) or not _ISO_INSTANT.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _measured_zone(verdict: Mapping[str, Any]) -> str | None:
    """The one zone the rules measured in (a verdict stored without its ``time_zone``)."""
    zones = {
        z
        for r in verdict.get("rules") or []
        for z in (r.get("inputs") or {}).get("zones") or ()
        if isinstance(z, str)
    }
    return zones.pop() if len(zones) == 1 else None
