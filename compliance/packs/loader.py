"""Read rule packs from TOML files into typed, frozen values, refusing anything malformed.

A pack is ``<directory>/<id>.toml``. The built-in packs live next to this module; a
deployment can put its own directory first (``PackLoader([mine, BUILTIN_DIR])``) to
override a pack, for instance to change an S-status default, without editing ours.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from compliance.packs import rule_tables
from compliance.packs.errors import PackFormatError, UnknownPackError
from compliance.packs.model import (
    Pack,
    PackRule,
)
from compliance.packs.packset import PackSet
from compliance.packs.table import PackTable

__all__ = [
    "BUILTIN_DIR",
    "PackLoader",
    "line_of",
    "load_pack",
    "load_packs",
    "pack_dir_problems",
    "read_pack",
    "use_pack_dir",
]

BUILTIN_DIR = Path(__file__).parent
_PACK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_.]*")
_TOP_LEVEL = {"id", "version", "title", "jurisdiction", "notes"}

R = TypeVar("R", bound=PackRule)


class PackLoader:
    """Finds packs by id in ``directories`` (the first that has the file wins); caches them."""

    def __init__(self, directories: Sequence[Path] = (BUILTIN_DIR,)) -> None:
        self.directories = tuple(Path(d) for d in directories)
        self._cache: dict[str, Pack] = {}

    def known(self) -> tuple[str, ...]:
        return tuple(sorted({p.stem for d in self.directories for p in d.glob("*.toml")}))

    def load_pack(self, pack_id: str) -> Pack:
        if pack_id not in self._cache:
            self._cache[pack_id] = read_pack(self._path_of(pack_id))
        return self._cache[pack_id]

    def load_packs(self, pack_ids: Iterable[str]) -> PackSet:
        return PackSet(tuple(self.load_pack(i) for i in dict.fromkeys(pack_ids)))

    def _path_of(self, pack_id: str) -> Path:
        if _PACK_ID.fullmatch(pack_id):
            for directory in self.directories:
                path = directory / f"{pack_id}.toml"
                if path.is_file():
                    return path
        raise UnknownPackError(pack_id, self.known())


_DEFAULT = PackLoader()


def load_pack(pack_id: str) -> Pack:
    """The pack ``pack_id`` (the deployment's, see ``use_pack_dir``, else the built-in one);
    ``UnknownPackError`` names the known ones."""
    return _DEFAULT.load_pack(pack_id)


def load_packs(pack_ids: Iterable[str]) -> PackSet:
    """The packs ``pack_ids``, composed (duplicates are loaded once)."""
    return _DEFAULT.load_packs(pack_ids)


def pack_dir_problems(directory: Path) -> list[PackFormatError]:
    """Every problem of the pack files in a deployment's ``directory`` (each names the file,
    line, rule and field); empty when every file reads. ``dispatcher compliance lint``."""
    if not directory.is_dir():
        return [PackFormatError(directory, "RULE_PACKS_DIR: not a directory")]
    problems = []
    for path in sorted(directory.glob("*.toml")):
        try:
            read_pack(path)
        except PackFormatError as exc:
            problems.append(exc)
    return problems


def use_pack_dir(directory: Path | None) -> PackLoader:
    """Make ``directory`` (RULE_PACKS_DIR) the first place every rule looks for a pack,
    before the built-in ones; None: the built-in packs only. Every file in it is read now,
    so a malformed one stops the process at start-up (``PackFormatError`` naming the file,
    line, rule and field), never a message at send time. Packs are then kept for the life
    of the process: a change is picked up on restart."""
    global _DEFAULT
    if directory is None:
        loader = PackLoader()
    else:
        problems = pack_dir_problems(directory)
        if problems:
            raise problems[0]
        loader = PackLoader([directory, BUILTIN_DIR])
        for pack_id in loader.known():
            loader.load_pack(pack_id)
    _DEFAULT = loader
    return loader


def read_pack(path: Path) -> Pack:
    """Parse one pack file. Every problem is a ``PackFormatError`` naming file, line, rule
    and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PackFormatError(path, f"not UTF-8 text: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise PackFormatError(
            path, f"not valid TOML: {exc}", line=int(line.group(1)) if line else None
        ) from exc
    try:
        return _parsed(path, data)
    except PackFormatError as exc:
        exc.line = exc.line or line_of(text, exc.rule, exc.field)
        raise PackFormatError(
            path, exc.problem, rule=exc.rule, field=exc.field, line=exc.line
        ) from None


def line_of(text: str, rule: str | None, field: str | None) -> int | None:
    """The line (1-based) where ``field`` of ``rule`` (``caps[1] 'other_numbers'``, or None
    for the top level) is written; the rule's own line when the field is not written."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    if rule is not None:
        kind, _, index = rule.partition("[")
        wanted = int(index.partition("]")[0]) if index else 0
        headers = [i for i, ln in enumerate(lines) if ln.strip() == f"[[{kind}]]"]
        if wanted >= len(headers):
            return None
        start = headers[wanted]
        following = [i for i, ln in enumerate(lines) if i > start and ln.lstrip().startswith("[")]
        end = min(following, default=len(lines))
    if field is not None:
        for i in range(start, end):
            if re.match(rf"\s*{re.escape(field)}\s*=", lines[i]):
                return i + 1
    return start + 1 if rule is not None else None


def _parsed(path: Path, data: dict[str, Any]) -> Pack:
    top = PackTable(path, None, data, allowed=_TOP_LEVEL | set(rule_tables.ALLOWED))
    top.finish()
    pack_id = top.text("id")
    if pack_id != path.stem:
        top.fail("id", f"the pack id {pack_id!r} must match the file name {path.stem!r}")
    top.optional_text("notes")
    seen: set[str] = set()
    return Pack(
        id=pack_id,
        version=top.text("version"),
        title=top.text("title"),
        jurisdiction=top.text("jurisdiction"),
        file=path,
        hours=_rules(top, pack_id, "hours", rule_tables.hours, seen),
        caps=_rules(top, pack_id, "caps", rule_tables.cap, seen),
        quiet_periods=_rules(top, pack_id, "quiet_periods", rule_tables.quiet_period, seen),
        content=_rules(top, pack_id, "content", rule_tables.content, seen),
        records=_rules(top, pack_id, "records", rule_tables.records, seen),
        staffing=_rules(top, pack_id, "staffing", rule_tables.staffing, seen),
        consent=_rules(top, pack_id, "consent", rule_tables.consent, seen),
        holds=_rules(top, pack_id, "holds", rule_tables.holds, seen),
        risk_flags=_rules(top, pack_id, "risk_flags", rule_tables.risk_flag, seen),
    )


def _rules(
    top: PackTable,
    pack_id: str,
    kind: str,
    parse: Callable[[PackTable, dict[str, Any]], R],
    seen: set[str],
) -> tuple[R, ...]:
    """Every ``[[kind]]`` table of the pack, parsed; rule ids are unique within a pack."""
    parsed = []
    for index, entry in enumerate(top.tables(kind)):
        table = PackTable(top.file, f"{kind}[{index}]", entry, allowed=rule_tables.ALLOWED[kind])
        rule_id = table.text("id")
        if not _RULE_ID.fullmatch(rule_id):
            table.fail("id", f"{rule_id!r}: use lower case letters, digits, '_' and '.'")
        table.named(rule_id)
        if rule_id in seen:
            table.fail("id", f"duplicate rule id {rule_id!r} in this pack")
        seen.add(rule_id)
        table.finish()  # a misspelt field is named as such, not reported as a missing one
        parsed.append(parse(table, rule_tables.common_fields(table, pack_id, rule_id)))
    return tuple(parsed)
