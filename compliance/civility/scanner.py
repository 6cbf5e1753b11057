"""The civility scanner: every lexicon phrase in a text, in one pass, with original spans.

    scanner = CivilityScanner.from_lexicons(("zh-CN", "en-US"))
    scanner.scan("你再不还钱就等着坐 牢吧")
    # [Finding(phrase='坐牢', category='arrest_crime', start=8, end=11, matched_text='坐 牢', ...)]

A text is scanned against the entries of every loaded locale (debtors' and collectors'
texts mix languages). One Aho-Corasick automaton holds every phrase, inflection and
exception of every lexicon in normalised form; it is built once, when the scanner is.
Scanning a text is:

1. normalise it (``compliance.civility.normalise``): one ``str.translate`` over a
   cached table gives the skeleton;
2. run the automaton over the skeleton once: candidates;
3. check each candidate against the marked form (``compliance.civility.tokens``; a
   second ``str.translate``, only for texts with candidates): whole
   words for Latin phrases, a whole token for 滚, leetspeak only inside words, not
   inside one of the entry's harmless longer phrases (垃圾分类);
4. map what is left back to the original text.

Most texts have no candidate and stop after step 2.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick

from compliance.citations import Translations
from compliance.civility import normalise, tokens
from compliance.civility.lexicon import Boundary, Category, Entry, Lexicon, LexiconError, Mode

__all__ = ["DEFAULT_LOCALES", "CivilityScanner", "Finding"]

DEFAULT_LOCALES = ("zh-CN", "en-US")


@dataclass(frozen=True)
class Finding:
    """One forbidden phrase found in a text, where it is in the original text."""

    phrase: str  # as written in the lexicon
    category: Category
    mode: Mode
    locale: str  # of the lexicon entry, not of the text
    start: int  # character offsets in the scanned text, end exclusive
    end: int
    matched_text: str  # text[start:end], as written: "坐 牢", "a.r.r.3.s.t"
    citation: str
    citations: Translations = ()  # the citation in other languages, where the lexicon has it

    def describe(self) -> str:
        """``'坐牢' (arrest_crime) at 12–14``."""
        return f"{self.phrase!r} ({self.category}) at {self.start}–{self.end}"

    def to_json(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "category": self.category.value,
            "mode": self.mode.value,
            "locale": self.locale,
            "start": self.start,
            "end": self.end,
            "matched_text": self.matched_text,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class _Pattern:
    """One searchable form of an entry: its phrase or one of its inflections."""

    entry_id: int
    entry: Entry
    boundary: Boundary
    boundaries: frozenset[int]  # skeleton offsets where the phrase has its own space


# What the automaton stores for a key: its length, the patterns with that key, and the
# ids of the entries for which the key is a harmless longer phrase.
_Value = tuple[int, tuple[_Pattern, ...], frozenset[int]]
_Candidate = tuple[int, int, _Pattern]


class CivilityScanner:
    def __init__(self, lexicons: Iterable[Lexicon]) -> None:
        self.lexicons = tuple(lexicons)
        locales = [lexicon.locale for lexicon in self.lexicons]
        if not locales or len(set(locales)) != len(locales):
            raise LexiconError(f"need one lexicon per locale, got {locales}")
        self.entries = tuple(entry for lexicon in self.lexicons for entry in lexicon.entries)
        digest = hashlib.sha256("".join(lx.sha256 for lx in self.lexicons).encode())
        versions = "+".join(f"{lx.locale}@{lx.version}" for lx in self.lexicons)
        self.version = f"{versions}#{digest.hexdigest()[:12]}"
        self._automaton = _build_automaton(self.entries)

    @classmethod
    def from_lexicons(
        cls, locales: Sequence[str] = DEFAULT_LOCALES, *, directory: Path | None = None
    ) -> CivilityScanner:
        """A scanner over the shipped lexicons of ``locales`` (or those in ``directory``)."""
        return cls(Lexicon.builtin(locale, directory) for locale in locales)

    def scan(self, text: str, *, lawful_action: bool = False) -> list[Finding]:
        """Every forbidden phrase in ``text``, in order of position.

        With ``lawful_action``, entries that are allowed where compliance marked the
        message as describing a lawful, intended action are not reported.
        """
        candidates, excepted = self._candidates(normalise.skeleton(text), lawful_action)
        if not candidates:
            return []
        marked = normalise.mark(text)
        index = normalise.SkeletonIndex(marked)
        memo: dict[int, bool] = {}  # leetspeak decisions, shared by this text's candidates
        harmless = _Harmless(excepted)
        confirmed = []
        for start, end, pattern in candidates:
            if harmless.covers(pattern.entry_id, start, end):
                continue
            span = _fit(marked, index, start, end, pattern, memo)
            if span is not None:
                confirmed.append((*span, pattern))
        if not confirmed:
            return []
        return _findings(text, confirmed)

    def _candidates(
        self, skeleton: str, lawful_action: bool
    ) -> tuple[list[_Candidate], list[tuple[int, int, frozenset[int]]]]:
        candidates: list[_Candidate] = []
        excepted = []
        value: _Value
        for end, value in self._automaton.iter(skeleton):
            length, patterns, exception_for = value
            start = end - length + 1
            if exception_for:
                excepted.append((start, end, exception_for))
            for pattern in patterns:
                if lawful_action and pattern.entry.mode is Mode.UNLESS_LAWFUL_ACTION:
                    continue
                candidates.append((start, end, pattern))
        return candidates, excepted


class _Harmless:
    """Where an entry's harmless longer phrases are (垃圾分类 for 垃圾), to skip candidates."""

    def __init__(self, spans: list[tuple[int, int, frozenset[int]]]) -> None:
        by_entry: dict[int, list[tuple[int, int]]] = {}
        for start, end, entry_ids in spans:
            for entry_id in entry_ids:
                by_entry.setdefault(entry_id, []).append((start, end))
        self._starts: dict[int, list[int]] = {}
        self._reach: dict[int, list[int]] = {}  # furthest end among spans starting so far
        for entry_id, entry_spans in by_entry.items():
            entry_spans.sort()
            self._starts[entry_id] = [start for start, _ in entry_spans]
            self._reach[entry_id] = list(itertools.accumulate((e for _, e in entry_spans), max))

    def covers(self, entry_id: int, start: int, end: int) -> bool:
        starts = self._starts.get(entry_id)
        if not starts:
            return False
        before = bisect.bisect_right(starts, start)
        return before > 0 and self._reach[entry_id][before - 1] >= end


def _fit(
    marked: str,
    index: normalise.SkeletonIndex,
    start: int,
    end: int,
    pattern: _Pattern,
    memo: dict[int, bool],
) -> tuple[int, int] | None:
    """The candidate's span in the marked form, if it obeys its pattern's boundary rules."""
    m_start = index.marked_index(start)
    bounded = pattern.boundary is not Boundary.SUBSTRING
    if bounded and not tokens.starts_token(marked, m_start):
        return None
    m_end = index.marked_index(end)
    if bounded and not tokens.ends_token(marked, m_end):
        return None
    if pattern.boundary is Boundary.WORD and not tokens.gaps_allowed(
        marked, m_start, m_end, pattern.boundaries
    ):
        return None
    return (m_start, m_end) if tokens.leet_allowed(marked, m_start, m_end, memo) else None


def _findings(text: str, confirmed: list[_Candidate]) -> list[Finding]:
    offsets = normalise.original_offsets(text)
    found: dict[tuple[str, Category, int, int], Finding] = {}
    for m_start, m_end, pattern in confirmed:
        entry = pattern.entry
        start = normalise.original_index(offsets, m_start)
        end = normalise.original_index(offsets, m_end) + 1
        key = (entry.phrase, entry.category, start, end)
        if key not in found:
            found[key] = Finding(
                entry.phrase,
                entry.category,
                entry.mode,
                entry.locale,
                start,
                end,
                text[start:end],
                entry.citation,
                entry.citations,
            )
    findings = sorted(found.values(), key=lambda f: (f.start, -f.end, f.category, f.phrase))
    return _outermost(findings)


def _outermost(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside a longer one of the same category (起诉 inside 已起诉).

    ``findings`` are sorted by start, longest first, so a finding is inside a longer one
    exactly when an earlier one of its category reaches further, or as far from before it.
    """
    reach: dict[Category, tuple[int, int]] = {}  # category -> (furthest end, its start)
    kept = []
    for finding in findings:
        end, start = reach.get(finding.category, (-1, -1))
        if end > finding.end or (end == finding.end and start < finding.start):
            continue
        if finding.end > end:
            reach[finding.category] = (finding.end, finding.start)
        kept.append(finding)
    return kept


def _build_automaton(entries: Sequence[Entry]) -> ahocorasick.Automaton:
    patterns: dict[str, list[_Pattern]] = {}
    exceptions: dict[str, set[int]] = {}
    for entry_id, entry in enumerate(entries):
        keys = set()
        for written in (entry.phrase, *entry.forms):
            key, pattern = _compile(entry_id, entry, written)
            if key not in keys:
                keys.add(key)
                patterns.setdefault(key, []).append(pattern)
        for written in entry.exceptions:
            key = normalise.normalise(written)
            if not any(k in key for k in keys):
                raise LexiconError(
                    f"{entry.locale} {entry.phrase!r}: exception {written!r} does not contain "
                    "the phrase, so it could never apply"
                )
            exceptions.setdefault(key, set()).add(entry_id)
    automaton = ahocorasick.Automaton()
    for key in patterns.keys() | exceptions.keys():
        value: _Value = (
            len(key),
            tuple(patterns.get(key, ())),
            frozenset(exceptions.get(key, ())),
        )
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


def _compile(entry_id: int, entry: Entry, written: str) -> tuple[str, _Pattern]:
    marked = normalise.mark(written)
    key = normalise.skeleton(written)
    where = f"{entry.locale} {entry.category} {entry.phrase!r}"
    if not key:
        raise LexiconError(f"{where}: {written!r} is empty once normalised")
    has_han = any(normalise.is_han(c) for c in key)
    boundary = entry.boundary or (Boundary.SUBSTRING if has_han else Boundary.WORD)
    if boundary is Boundary.WORD and has_han:
        raise LexiconError(f"{where}: Chinese text has no words; use 'substring' or 'token'")
    if not tokens.leet_allowed(marked, 0, len(marked) - 1):
        raise LexiconError(
            f"{where}: {written!r} has digits outside a word, which texts never match "
            "(digits are read as letters only inside words)"
        )
    return key, _Pattern(entry_id, entry, boundary, tokens.phrase_boundaries(marked))
