"""Every error the rule packs raise on purpose.

    PackError
    ├── UnknownPackError          no pack file with that id; lists the known ids
    ├── PackFormatError           a pack file is malformed; names the file, rule and field
    └── NoPacksForCountryError    no default packs for a country (configure them per portfolio)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["NoPacksForCountryError", "PackError", "PackFormatError", "UnknownPackError"]


class PackError(Exception):
    """Base of every error raised on purpose by the rule packs."""


class UnknownPackError(PackError):
    def __init__(self, pack_id: str, known: Iterable[str]) -> None:
        self.pack_id = pack_id
        self.known = tuple(sorted(known))
        super().__init__(
            f"unknown rule pack {pack_id!r}; known packs: {', '.join(self.known) or '(none)'}"
        )


class PackFormatError(PackError):
    """``file:line: rule <rule>: field <field>: <problem>`` — each part when it is known."""

    def __init__(
        self,
        file: Path,
        problem: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.rule = rule
        self.field = field
        self.problem = problem
        self.line = line  # 1-based, where the rule or field is written (when found)
        where = [f"{file}:{line}" if line else str(file)]
        if rule is not None:
            where.append(f"rule {rule}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {problem}")


class NoPacksForCountryError(PackError):
    def __init__(self, country: str, known: Iterable[str]) -> None:
        self.country = country
        super().__init__(
            f"no default rule packs for country {country!r} (defaults exist for "
            f"{', '.join(sorted(known))}); configure the portfolio's packs explicitly"
        )
