"""The desk's form problems and refusals in the collector's language.

``record_disposition`` and the collector checks name each problem in English — the words
the HTTP API answers with. The desk shows each in the collector's language: every
sentence they can say is matched here to a catalog text (``desk.<locale>.toml``, or a
verdict reason's text in ``reasons``), with the parts it names. A sentence not listed
here is shown as it is, in English, so ``tests/workspace/test_desk_problems.py`` provokes
every problem the form can meet and fails on any left in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dispatcher.errors import FieldProblem
from dispatcher.i18n import Translator, has_key

__all__ = ["field_label", "localized_problems", "localized_refusal"]

_QUOTED = r"(?P<{}>'[^']*'|\"[^\"]*\")"

# (catalog key, the English sentence): the sentence's named groups fill the text.
_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("desk.problem.too_long", r"must be text of at most (?P<max>\d+) characters"),
    ("desk.problem.forbidden_phrase",
     rf"forbidden phrase {_QUOTED.format('phrase')} \((?P<category>[^)]*)\): "
     rf"{_QUOTED.format('matched')}"),
    ("desk.problem.unknown_kind", rf"unknown {_QUOTED.format('kind')}; known: (?P<known>.*)"),
    ("desk.problem.not_a_field", r"not a field of a (?P<kind>\S+) disposition"),
    ("desk.problem.not_in_future", r"is not in the future"),
    ("desk.problem.amount", r'must be a number greater than 0, e\.g\. "500\.00"'),
    ("desk.problem.currency", r"needs a 3-letter code such as CNY or USD"),
    ("desk.problem.date", r"needs an ISO 8601 date, e\.g\. \d{4}-\d{2}-\d{2}"),
    ("desk.problem.date_past", r"(?P<date>\d{4}-\d{2}-\d{2}) is in the past"),
    ("desk.problem.date_time", r"needs an ISO 8601 date and time with an offset"),
    ("desk.problem.needs_zone", r"needs a time zone"),
    ("desk.problem.not_an_object", r"must be an object"),
    ("desk.problem.missing_variable", r"missing variables? (?P<names>.+)"),
    # The collector checks (compliance/rules/collectors.py): the verdict reasons' texts.
    ("reasons.code.collector.unknown", r"unknown collector '(?P<collector_id>[^']*)'"),
    ("reasons.code.collector.inactive", r"collector (?P<collector_id>\S+) is not active"),
    ("reasons.code.collector.untrained",
     r"collector (?P<collector_id>\S+) has not passed training"),
    ("reasons.code.collector.trained_later",
     r"collector (?P<collector_id>\S+) passes training only on (?P<trained_on>\S+)"),
    ("reasons.code.collector.credential_expired",
     r"collector (?P<collector_id>\S+)'s credential expired on (?P<expired_on>\S+)"),
)  # fmt: skip

_REFUSALS: tuple[tuple[str, str], ...] = (
    ("desk.refusal.not_a_call", r"message \S+ is a (?P<channel>\S+) message, not a call.*"),
    ("desk.refusal.recorded",
     r"call \S+ has a disposition already \((?P<kind>[^,]*), by (?P<by>[^)]*)\); .*"),
    ("desk.refusal.not_placed", r"call \S+ is (?P<status>\S+): only a placed call .*"),
    ("desk.refusal.not_answered",
     r"call \S+ was not answered \(result (?P<result>[^)]*)\): (?P<kind>\S+) needs .*"),
    ("desk.refusal.moved_on", r"call \S+ took a disposition or moved on meanwhile"),
)  # fmt: skip


def _compiled(table: Iterable[tuple[str, str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((key, re.compile(sentence)) for key, sentence in table)


_PROBLEM_PATTERNS = _compiled(_PROBLEMS)
_REFUSAL_PATTERNS = _compiled(_REFUSALS)


def _said(text: str, patterns: Iterable[tuple[str, re.Pattern[str]]], t: Translator) -> str:
    for key, pattern in patterns:
        found = pattern.fullmatch(text)
        if found is not None:
            named = {k: v.strip("'\"") for k, v in found.groupdict().items()}
            return t(key, **_shown(named, t))
    return text


# The parts of a sentence that have words of their own in the catalogs.
_TERMS = {
    "kind": "workspace.disposition",
    "status": "workspace.status",
    "channel": "reasons.term.channel",
    "category": "reasons.term.categories",
}


def _shown(named: Mapping[str, str], t: Translator) -> dict[str, str]:
    """A disposition kind, status, channel or phrase category named in a sentence, in
    the reader's words."""
    shown = dict(named)
    for name, area in _TERMS.items():
        key = f"{area}.{named.get(name, '')}"
        if name in named and has_key(t.locale, key):
            shown[name] = t(key)
    return shown


def field_label(field: str, t: Translator) -> str:
    """``amount`` → the form's label for it; ``reminder_variables.debtor_name`` → the
    reminder's; anything else as it is named."""
    key = f"desk.field.{field.replace('.', '_')}"
    if has_key(t.locale, key):
        return t(key)
    head, dot, rest = field.partition(".")
    if dot and has_key(t.locale, f"desk.field.{head}"):
        return f"{t(f'desk.field.{head}')} · {rest}"
    return field


def localized_problems(problems: Iterable[FieldProblem], t: Translator) -> dict[str, str]:
    """Each problem in the reader's words, by its field: ``{field: what is wrong}``."""
    shown: dict[str, str] = {}
    for problem in problems:
        text = _said(problem.problem, _PROBLEM_PATTERNS, t)
        shown[problem.field] = f"{shown[problem.field]}; {text}" if problem.field in shown else text
    return shown


def localized_refusal(text: str, t: Translator) -> str:
    return _said(text, _REFUSAL_PATTERNS, t)
