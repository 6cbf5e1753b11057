"""Civility lexicons: forbidden phrases by category, one TOML file per locale.

A lexicon file (``lexicons/zh-CN.toml``, ``lexicons/en-US.toml``) has a ``locale``, a
``version`` and one table per category, each with a ``citation`` and its ``entries``::

    [arrest_crime]
    citation = "12 CFR 1006.18 (15 U.S.C. 1692e(4))"
    entries = [
      { phrase = "arrest", mode = "always", forms = ["arrested"] },
      { phrase = "garnish", mode = "unless_lawful_action" },
      { phrase = "滚", mode = "always", boundary = "token" },
      { phrase = "垃圾", mode = "always", except = ["垃圾分类"] },
    ]

Loading checks everything it can (unknown categories or keys, a mode or boundary that
does not exist, an empty phrase) and raises ``LexiconError`` naming the file and entry,
so a typo in a lexicon stops the worker at start-up instead of letting words through.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from compliance.citations import CITATION_LOCALES, Translations

__all__ = [
    "LEXICON_DIR",
    "Boundary",
    "Category",
    "Entry",
    "Lexicon",
    "LexiconError",
    "Mode",
]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"

_E = TypeVar("_E", bound=enum.StrEnum)


class LexiconError(ValueError):
    """A lexicon file that cannot be used as it is."""


class Category(enum.StrEnum):
    ARREST_CRIME = "arrest_crime"
    VIOLENCE = "violence"
    INSULT_PROFANITY = "insult_profanity"
    THIRD_PARTY_DISCLOSURE = "third_party_disclosure"
    IMPERSONATING_AUTHORITY = "impersonating_authority"
    MISLEADING_CONSEQUENCES = "misleading_consequences"
    NEW_BORROWING = "new_borrowing"


class Mode(enum.StrEnum):
    ALWAYS = "always"  # forbidden in every message
    UNLESS_LAWFUL_ACTION = "unless_lawful_action"  # allowed where compliance marked it lawful


class Boundary(enum.StrEnum):
    """Where a match may start and end (see ``compliance.civility.tokens``)."""

    WORD = "word"  # whole words only: the default for phrases without Chinese characters
    TOKEN = "token"  # the whole of a run of characters between separators: 滚 but not 滚动
    SUBSTRING = "substring"  # anywhere: the default for Chinese


@dataclass(frozen=True)
class Entry:
    phrase: str
    category: Category
    mode: Mode
    locale: str
    citation: str
    boundary: Boundary | None  # None: the default for the phrase's script
    forms: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    citations: Translations = ()  # the citation in other languages (citation_zh-CN)


@dataclass(frozen=True)
class Lexicon:
    locale: str
    version: str
    citations: Mapping[Category, str]
    entries: tuple[Entry, ...]
    sha256: str  # of the file's bytes: two lexicons with one version cannot be confused

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        data = path.read_bytes()
        try:
            document = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise LexiconError(f"{path}: not a valid TOML file: {exc}") from exc
        return _parse(document, str(path), hashlib.sha256(data).hexdigest())

    @classmethod
    def builtin(cls, locale: str, directory: Path | None = None) -> Lexicon:
        """The lexicon for ``locale`` shipped in ``lexicons/`` (or in ``directory``)."""
        path = (directory or LEXICON_DIR) / f"{locale}.toml"
        if not path.is_file():
            raise LexiconError(f"no lexicon for locale {locale!r} (looked for {path})")
        return cls.load(path)


_FILE_KEYS = {"locale", "version"}
_CATEGORY_KEYS = {"citation", "entries", *(f"citation_{locale}" for locale in CITATION_LOCALES)}
_ENTRY_KEYS = {"phrase", "mode", "boundary", "forms", "except"}


def _parse(document: dict[str, Any], where: str, sha256: str) -> Lexicon:
    locale = _text(document, "locale", where)
    version = _text(document, "version", where)
    unknown = set(document) - _FILE_KEYS - {c.value for c in Category}
    if unknown:
        raise LexiconError(f"{where}: unknown categories or keys {sorted(unknown)}")
    citations: dict[Category, str] = {}
    entries: list[Entry] = []
    for category in Category:
        table = document.get(category.value)
        if table is None:
            continue
        label = f"{where} [{category.value}]"
        if not isinstance(table, dict) or set(table) - _CATEGORY_KEYS:
            raise LexiconError(f"{label}: expected a table with {sorted(_CATEGORY_KEYS)}")
        citation = citations[category] = _text(table, "citation", label)
        translated = tuple(
            (locale, _text(table, f"citation_{locale}", label))
            for locale in CITATION_LOCALES
            if f"citation_{locale}" in table
        )
        raw_entries = table.get("entries")
        if not isinstance(raw_entries, list) or not raw_entries:
            raise LexiconError(f"{label}: 'entries' must be a non-empty list")
        for number, raw in enumerate(raw_entries, 1):
            entry_label = f"{label} entry {number}"
            entry = _entry(raw, category, locale, citation, entry_label)
            entries.append(dataclasses.replace(entry, citations=translated))
    if not entries:
        raise LexiconError(f"{where}: no entries")
    return Lexicon(locale, version, citations, tuple(entries), sha256)


def _entry(raw: object, category: Category, locale: str, citation: str, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: expected a table, got {raw!r}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
    phrase = _text(raw, "phrase", where)
    mode = _choice(Mode, raw.get("mode"), f"{where} ({phrase!r}) mode")
    boundary = raw.get("boundary")
    return Entry(
        phrase=phrase,
        category=category,
        mode=mode,
        locale=locale,
        citation=citation,
        boundary=None if boundary is None else _choice(Boundary, boundary, f"{where} boundary"),
        forms=_texts(raw, "forms", where),
        exceptions=_texts(raw, "except", where),
    )


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LexiconError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _texts(table: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def _choice(kind: type[_E], value: object, where: str) -> _E:
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(repr(member.value) for member in kind)
    raise LexiconError(f"{where}: {value!r} is not one of {allowed}")
