"""The language layer: every text a person reads, in zh-CN and en-US, and times on the
debtor's clock.

Contract (pages, API problems and verdict reasons all use it):

- ``LOCALES = ("zh-CN", "en-US")``. ``negotiate(accept_language, preferred=None)`` picks
  one: a person's saved choice wins when supported; else the highest-q supported language
  of ``Accept-Language`` (``zh``/``zh-Hans``/``zh-TW`` → zh-CN, ``en-*`` → en-US, q=0
  refused); else ``DEFAULT_LOCALE`` = en-US (a request without the header is a program,
  and programs have always read English).
- ``translate(locale, key, **params)``: text from ``catalogs/<area>.<locale>.toml``; the key
  is ``<area>.<table path>`` (``reasons.hours.quiet``). Placeholders are ``{name}``.
  An unknown key raises ``UnknownKey``, a missing parameter ``MissingParameter`` — never
  a silent fallback to another language. Every area exists in both locales with the
  same keys and placeholders (``tests/i18n/test_catalogs.py``). Each area's pair of files
  belongs to the feature that uses it: ``common``, ``reasons``, ``problems`` (i18n),
  ``workspace`` (pages), ``stats`` (statistics). Names people see often are there too:
  ``reasons.term.flag.<flag>`` (risk flags), ``reasons.term.kind.<kind>`` (holds),
  ``reasons.term.channel.<channel>``, ``reasons.rule.<rule_id>``,
  ``reasons.decision.<allow|defer|block>``.
- ``Translator(locale)``: the same bound to one locale (``t("workspace.title")``), with
  ``t.local(instant, zone)`` and ``t.utc(instant)``; a Jinja2 global fits it.
- ``format_local(instant, zone, locale)`` → ``2026-12-04 08:00 (Asia/Shanghai, UTC+08:00)``
  / ``2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）``; ``format_utc(instant, locale)`` for
  a hover title; ``iso_local(instant, zone)`` → ``2026-12-04T08:00:00+08:00`` for programs.
  Naive datetimes are refused (ValueError).
- ``format_count``, ``format_money``, ``format_rate``: numbers by locale (Babel, CLDR).
- ``explain(verdict_json, locale, zone)``: a stored verdict as lines of plain language
  (which rule, why with its inputs, times on the debtor's clock, the citation of the
  pack that applied); ``explain_results`` gives the same as ``ExplainedResult`` values
  for pages. Texts come from ``reasons.code.<RuleResult.code>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatcher.i18n.catalog import (
    MissingParameter,
    UnknownKey,
    has_key,
    placeholders,
    translate,
)
from dispatcher.i18n.locales import DEFAULT_LOCALE, LOCALES, match_locale, negotiate
from dispatcher.i18n.numbers import format_count, format_money, format_rate
from dispatcher.i18n.times import format_local, format_utc, iso_local, utc_offset
from dispatcher.i18n.verdicts import ExplainedResult, explain, explain_results, reason_text

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "ExplainedResult",
    "MissingParameter",
    "Translator",
    "UnknownKey",
    "explain",
    "explain_results",
    "format_count",
    "format_local",
    "format_money",
    "format_rate",
    "format_utc",
    "has_key",
    "iso_local",
    "match_locale",
    "negotiate",
    "placeholders",
    "reason_text",
    "translate",
    "utc_offset",
]


@dataclass(frozen=True)
class Translator:
    """``translate`` and the formatters bound to one locale (a page's ``t``)."""

    locale: str

    def __call__(self, key: str, /, **params: object) -> str:
        return translate(self.locale, key, **params)

    def local(self, instant: datetime, zone: str) -> str:
        return format_local(instant, zone, self.locale)

    def utc(self, instant: datetime) -> str:
        return format_utc(instant, self.locale)
