"""Read rule packs from TOML files into typed, frozen values, refusing anything malformed.

A pack is ``<directory>/<id>.toml``. The built-in packs live next to this module; a
deployment can put its own directory first (``PackLoader([mine, BUILTIN_DIR])``) to
override a pack, for instance to change an S-status default, without editing ours.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import time
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.citations import CITATION_LOCALES, Translations
from compliance.packs.errors import PackFormatError, UnknownPackError
from compliance.packs.model import (
    CHANNELS,
    DEBTOR_LOCAL,
    EVENTS,
    EXEMPTIONS,
    HOLD_KINDS,
    PHONE_TYPES,
    RISK_EFFECTS,
    RISK_FLAGS,
    CapRule,
    CapWindow,
    ConsentRule,
    ContentRule,
    HoldRule,
    HoursRule,
    HoursWindow,
    NumberKind,
    Pack,
    PackRule,
    QuietPeriodRule,
    RecordsRule,
    RiskFlagRule,
    Scope,
    StaffingRule,
    Status,
)
from compliance.packs.packset import PackSet

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
    top = _Table(path, None, data, allowed=_TOP_LEVEL | set(_ALLOWED))
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
        hours=_rules(top, pack_id, "hours", _hours, seen),
        caps=_rules(top, pack_id, "caps", _cap, seen),
        quiet_periods=_rules(top, pack_id, "quiet_periods", _quiet_period, seen),
        content=_rules(top, pack_id, "content", _content, seen),
        records=_rules(top, pack_id, "records", _records, seen),
        staffing=_rules(top, pack_id, "staffing", _staffing, seen),
        consent=_rules(top, pack_id, "consent", _consent, seen),
        holds=_rules(top, pack_id, "holds", _holds, seen),
        risk_flags=_rules(top, pack_id, "risk_flags", _risk_flag, seen),
    )


def _rules(
    top: _Table,
    pack_id: str,
    kind: str,
    parse: Callable[[_Table, dict[str, Any]], R],
    seen: set[str],
) -> tuple[R, ...]:
    """Every ``[[kind]]`` table of the pack, parsed; rule ids are unique within a pack."""
    parsed = []
    for index, entry in enumerate(top.tables(kind)):
        table = _Table(top.file, f"{kind}[{index}]", entry, allowed=_ALLOWED[kind])
        rule_id = table.text("id")
        if not _RULE_ID.fullmatch(rule_id):
            table.fail("id", f"{rule_id!r}: use lower case letters, digits, '_' and '.'")
        table.named(rule_id)
        if rule_id in seen:
            table.fail("id", f"duplicate rule id {rule_id!r} in this pack")
        seen.add(rule_id)
        table.finish()  # a misspelt field is named as such, not reported as a missing one
        parsed.append(parse(table, _common(table, pack_id, rule_id)))
    return tuple(parsed)


class _Table:
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


def _translated(name: str) -> set[str]:
    """``name`` and its fields in the other languages packs cite in."""
    return {name, *(f"{name}_{locale}" for locale in CITATION_LOCALES)}


_COMMON = {"id", "title", "status", "source", "note", "channels"} | _translated("citation")


def _common(t: _Table, pack_id: str, rule_id: str) -> dict[str, Any]:
    status = Status(t.choice("status", [s.value for s in Status]))
    source = t.optional_text("source")
    if status is Status.SECONDARY and source is None:
        t.fail("source", "missing: an S-status rule must name the secondary source of its numbers")
    return {
        "pack": pack_id,
        "id": rule_id,
        "title": t.text("title"),
        "citation": t.text("citation"),
        "citations": t.translations("citation"),
        "status": status,
        "source": source,
        "note": t.optional_text("note"),
        "channels": t.names("channels", CHANNELS),
    }


def _hours(t: _Table, common: dict[str, Any]) -> HoursRule:
    start, end = t.local_time("start"), t.local_time("end")
    if not start < end:
        t.fail("end", f"the window must end after it starts (start {start}, end {end})")
    return HoursRule(
        **common,
        window=HoursWindow(start, end),
        time_zone=t.zone("time_zone"),
        agreed_times_override=t.boolean("agreed_times_override"),
    )


def _cap(t: _Table, common: dict[str, Any]) -> CapRule:
    counts = frozenset(t.names("counts", EVENTS))
    not_counted = frozenset(t.names("not_counted", EVENTS, required=False))
    if counts & not_counted:
        t.fail("not_counted", f"also listed in counts: {', '.join(sorted(counts & not_counted))}")
    return CapRule(
        **common,
        limit=t.integer("limit", minimum=1),
        period_days=t.integer("period_days", minimum=1),
        scope=Scope(t.choice("scope", [s.value for s in Scope])),
        counts=counts,
        not_counted=not_counted,
        numbers=NumberKind(t.choice("numbers", [n.value for n in NumberKind], "any")),
        time_zone=t.zone("time_zone", required=False),
        exemptions=frozenset(t.names("exemptions", EXEMPTIONS, required=False)),
        **_cap_window(t),
    )


def _cap_window(t: _Table) -> dict[str, Any]:
    """Rolling unless the pack chooses calendar days, and then only with a citation."""
    window = CapWindow(t.choice("window", [w.value for w in CapWindow], CapWindow.ROLLING.value))
    basis = t.optional_text("window_citation")
    translated = t.translations("window_citation")
    if translated and basis is None:
        t.fail(f"window_citation_{translated[0][0]}", "only beside a window_citation in English")
    if window is CapWindow.CALENDAR_DAYS and basis is None:
        t.fail("window_citation", "missing: a calendar_days window must cite its basis")
    if window is CapWindow.ROLLING and basis is not None:
        t.fail("window_citation", "only a calendar_days window takes a citation of its own")
    return {"window": window, "window_citation": basis, "window_citations": translated}


def _quiet_period(t: _Table, common: dict[str, Any]) -> QuietPeriodRule:
    return QuietPeriodRule(
        **common,
        after=t.choice("after", EVENTS),
        days=t.integer("days", minimum=1),
        event_day_is_day_one=t.boolean("event_day_is_day_one"),
        scope=Scope(t.choice("scope", [s.value for s in Scope])),
        time_zone=t.zone("time_zone", required=False),
        exemptions=frozenset(t.names("exemptions", EXEMPTIONS, required=False)),
    )


def _content(t: _Table, common: dict[str, Any]) -> ContentRule:
    must_contain = t.strings("must_contain")
    required_elements = t.strings("required_elements")
    if not must_contain and not required_elements:
        t.fail("must_contain", "a content rule needs must_contain or required_elements")
    return ContentRule(
        **common,
        must_contain=must_contain,
        required_elements=required_elements,
        example=t.optional_text("example"),
    )


def _records(t: _Table, common: dict[str, Any]) -> RecordsRule:
    must_record = t.boolean("must_record", default=False)
    media = t.names("media", {"audio", "video"}, required=False)
    if must_record and not media:
        t.fail("media", "missing: say which media (audio, video) the recording must have")
    return RecordsRule(
        **common,
        records=t.text("records"),
        must_record=must_record,
        media=media,
        keep_years=t.optional_integer("keep_years", minimum=1),
        kept_from=t.choice("kept_from", {"creation", "last_activity"}, "creation"),
    )


def _staffing(t: _Table, common: dict[str, Any]) -> StaffingRule:
    return StaffingRule(
        **common,
        min_collectors=t.integer("min_collectors", minimum=1),
        credential=t.optional_text("credential"),
        visit_minutes=t.optional_integer("visit_minutes", minimum=1),
    )


def _consent(t: _Table, common: dict[str, Any]) -> ConsentRule:
    unsupported = set(common["channels"]) - {"voice", "sms"}
    if unsupported:
        t.fail("channels", f"consent rules cover voice and sms only, not {sorted(unsupported)}")
    return ConsentRule(**common, number_types=t.names("number_types", PHONE_TYPES))


def _holds(t: _Table, common: dict[str, Any]) -> HoldRule:
    return HoldRule(**common, kinds=t.names("kinds", HOLD_KINDS))


def _risk_flag(t: _Table, common: dict[str, Any]) -> RiskFlagRule:
    return RiskFlagRule(
        **common,
        flag=t.choice("flag", RISK_FLAGS),
        effect=t.choice("effect", RISK_EFFECTS),
        except_templates=t.strings("except_templates"),
    )


_ALLOWED: dict[str, set[str]] = {
    "hours": _COMMON | {"start", "end", "time_zone", "agreed_times_override"},
    "caps": _COMMON
    | {"limit", "period_days", "scope", "counts", "not_counted", "numbers", "time_zone"}
    | {"exemptions", "window"}
    | _translated("window_citation"),
    "quiet_periods": _COMMON
    | {"after", "days", "event_day_is_day_one", "scope", "time_zone", "exemptions"},
    "content": _COMMON | {"must_contain", "required_elements", "example"},
    "records": _COMMON | {"records", "must_record", "media", "keep_years", "kept_from"},
    "staffing": _COMMON | {"min_collectors", "credential", "visit_minutes"},
    "consent": _COMMON | {"number_types"},
    "holds": _COMMON | {"kinds"},
    "risk_flags": _COMMON | {"flag", "effect", "except_templates"},
}
