"""Check templates and collectors' free text against the civility lexicons before use.

``lint_catalog`` scans the source of every template in a catalog, so a forbidden
phrase is caught when a template is written, not when the first message is blocked.
It scans the whole source, Jinja syntax included: literal text inside ``{{ }}``
(``"day" if n == 1``) is message text too. ``check_free_text`` is the same check for
text a collector typed, which is never a marked lawful-action template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance.civility.scanner import CivilityScanner, Finding
from templates import TemplateCatalog, TemplateInfo

__all__ = ["LintProblem", "check_free_text", "lint_catalog"]

_SUFFIXES = (".html.j2", ".j2")  # as the catalog names them: "letter.html.j2" is "letter"


@dataclass(frozen=True)
class LintProblem:
    channel: str
    name: str
    locale: str
    path: Path
    line: int  # 1-based, in the template source
    column: int  # 1-based
    finding: Finding

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.finding.describe()}"


def lint_catalog(
    catalog: TemplateCatalog,
    scanner: CivilityScanner,
    lawful_action_templates: frozenset[str] = frozenset(),
) -> list[LintProblem]:
    """Every forbidden phrase in every template of ``catalog``, by template and position."""
    problems = []
    for info in catalog.list():
        path = _source_path(catalog, info)
        source = path.read_bytes().decode("utf-8-sig")
        lawful_action = info.name in lawful_action_templates
        for finding in scanner.scan(source, lawful_action=lawful_action):
            line = source.count("\n", 0, finding.start) + 1
            column = finding.start - (source.rfind("\n", 0, finding.start) + 1) + 1
            problems.append(
                LintProblem(info.channel, info.name, info.locale, path, line, column, finding)
            )
    return problems


def check_free_text(text: str, scanner: CivilityScanner) -> list[Finding]:
    """Every forbidden phrase in text a collector wrote (no lawful-action allowance)."""
    return scanner.scan(text)


def _source_path(catalog: TemplateCatalog, info: TemplateInfo) -> Path:
    folder = catalog.root / info.channel / info.locale
    for suffix in _SUFFIXES:
        path = folder / f"{info.name}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no source file for {info.channel}/{info.locale}/{info.name}")
