"""One TOML table of a rule pack, read field by field: each reader checks its field's type
and range, and every problem is a ``PackFormatError`` naming the file, the rule and the
field."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import time
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.citations import CITATION_LOCALES, Translations
from compliance.packs.errors import PackFormatError
from compliance.packs.model import DEBTOR_LOCAL

__all__ = ["PackTable", "translated"]


class PackTable:
    """One TOML table of a pack, read field by field; every problem names where it is."""

    def __init__(
        self, file: Path, rule: str | None, data: Any, *, allowed: Collection[str]
    ) -> None:
        self.file = file
        self.rule = rule
        if not isinstance(data, dict):
            self.fail(None, f"expected a table, got {_shown(data)}")
        self.data: dict[str, Any] = data
        self.allowed = allowed

    def fail(self, field: str | None, problem: str) -> NoReturn:
        raise PackFormatError(self.file, problem, rule=self.rule, field=field)

    def named(self, rule_id: str) -> None:
        self.rule = f"{self.rule} {rule_id!r}"

    def finish(self) -> None:
        unknown = sorted(set(self.data) - set(self.allowed))
        if unknown:
            self.fail(
                unknown[0], f"unknown field; allowed fields: {', '.join(sorted(self.allowed))}"
            )

    def _value(self, name: str, expected: str, check: Callable[[Any], bool]) -> Any:
        if name not in self.data:
            self.fail(name, f"missing (expected {expected})")
        value = self.data[name]
        if not check(value):
            self.fail(name, f"expected {expected}, got {_shown(value)}")
        return value

    def text(self, name: str) -> str:
        value: str = self._value(name, "a non-empty string", lambda v: _is_text(v))
        return value.strip()

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if name in self.data else None

    def translations(self, name: str) -> Translations:
        """The text of ``name`` in other languages: ``<name>_<locale>`` for each locale
        packs cite in (``citation_zh-CN``), where written."""
        return tuple(
            (locale, self.text(f"{name}_{locale}"))
            for locale in CITATION_LOCALES
            if f"{name}_{locale}" in self.data
        )

    def integer(self, name: str, *, minimum: int) -> int:
        value: int = self._value(
            name,
            f"an integer >= {minimum}",
            lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
        )
        return value

    def optional_integer(self, name: str, *, minimum: int) -> int | None:
        return self.integer(name, minimum=minimum) if name in self.data else None

    def boolean(self, name: str, default: bool | None = None) -> bool:
        if default is not None and name not in self.data:
            return default
        value: bool = self._value(name, "true or false", lambda v: isinstance(v, bool))
        return value

    def local_time(self, name: str) -> time:
        value: time = self._value(
            name,
            "a TOML local time such as 08:00:00",
            lambda v: isinstance(v, time) and v.tzinfo is None,
        )
        return value

    def choice(self, name: str, choices: Collection[str], default: str | None = None) -> str:
        if default is not None and name not in self.data:
            return default
        value: str = self._value(
            name, f"one of {', '.join(sorted(choices))}", lambda v: v in choices
        )
        return value

    def names(
        self, name: str, vocabulary: Collection[str], *, required: bool = True
    ) -> tuple[str, ...]:
        if not required and name not in self.data:
            return ()
        values = self.strings(name, required=True)
        for value in values:
            if value not in vocabulary:
                self.fail(name, f"unknown name {value!r}; known: {', '.join(sorted(vocabulary))}")
        if required and not values:
            self.fail(name, "must name at least one")
        return values

    def strings(self, name: str, *, required: bool = False) -> tuple[str, ...]:
        if not required and name not in self.data:
            return ()
        value: list[str] = self._value(
            name,
            "a list of non-empty strings",
            lambda v: isinstance(v, list) and all(_is_text(s) for s in v),
        )
        if len(set(value)) != len(value):
            self.fail(name, "lists a name twice")
        return tuple(value)

    def zone(self, name: str, *, required: bool = True) -> str | None:
        """``"debtor"`` (returned as None) or an IANA zone name this machine knows."""
        if not required and name not in self.data:
            return None
        value = self.text(name)
        if value == DEBTOR_LOCAL:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(name, f'unknown time zone {value!r} (use "debtor" or an IANA zone name)')
        return value

    def tables(self, name: str) -> list[Any]:
        if name not in self.data:
            return []
        value: list[Any] = self._value(
            name, f"an array of tables ([[{name}]])", lambda v: isinstance(v, list)
        )
        return value


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _shown(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def translated(name: str) -> set[str]:
    """``name`` and its fields in the other languages packs cite in."""
    return {name, *(f"{name}_{locale}" for locale in CITATION_LOCALES)}
