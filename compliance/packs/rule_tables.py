"""Each kind of rule a pack holds (``[[hours]]``, ``[[caps]]``, …): the fields it allows
and how its table becomes a typed rule, with the checks across fields (an end after the
start, a calendar-day cap's own citation, …)."""

from __future__ import annotations

from typing import Any

from compliance.packs.model import (
    CHANNELS,
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
    QuietPeriodRule,
    RecordsRule,
    RiskFlagRule,
    Scope,
    StaffingRule,
    Status,
)
from compliance.packs.table import PackTable, translated

__all__ = [
    "ALLOWED",
    "cap",
    "common_fields",
    "consent",
    "content",
    "holds",
    "hours",
    "quiet_period",
    "records",
    "risk_flag",
    "staffing",
]


COMMON = {"id", "title", "status", "source", "note", "channels"} | translated("citation")


def common_fields(t: PackTable, pack_id: str, rule_id: str) -> dict[str, Any]:
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


def hours(t: PackTable, common: dict[str, Any]) -> HoursRule:
    start, end = t.local_time("start"), t.local_time("end")
    if not start < end:
        t.fail("end", f"the window must end after it starts (start {start}, end {end})")
    return HoursRule(
        **common,
        window=HoursWindow(start, end),
        time_zone=t.zone("time_zone"),
        agreed_times_override=t.boolean("agreed_times_override"),
    )


def cap(t: PackTable, common: dict[str, Any]) -> CapRule:
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


def _cap_window(t: PackTable) -> dict[str, Any]:
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


def quiet_period(t: PackTable, common: dict[str, Any]) -> QuietPeriodRule:
    return QuietPeriodRule(
        **common,
        after=t.choice("after", EVENTS),
        days=t.integer("days", minimum=1),
        event_day_is_day_one=t.boolean("event_day_is_day_one"),
        scope=Scope(t.choice("scope", [s.value for s in Scope])),
        time_zone=t.zone("time_zone", required=False),
        exemptions=frozenset(t.names("exemptions", EXEMPTIONS, required=False)),
    )


def content(t: PackTable, common: dict[str, Any]) -> ContentRule:
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


def records(t: PackTable, common: dict[str, Any]) -> RecordsRule:
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


def staffing(t: PackTable, common: dict[str, Any]) -> StaffingRule:
    return StaffingRule(
        **common,
        min_collectors=t.integer("min_collectors", minimum=1),
        credential=t.optional_text("credential"),
        visit_minutes=t.optional_integer("visit_minutes", minimum=1),
    )


def consent(t: PackTable, common: dict[str, Any]) -> ConsentRule:
    unsupported = set(common["channels"]) - {"voice", "sms"}
    if unsupported:
        t.fail("channels", f"consent rules cover voice and sms only, not {sorted(unsupported)}")
    return ConsentRule(**common, number_types=t.names("number_types", PHONE_TYPES))


def holds(t: PackTable, common: dict[str, Any]) -> HoldRule:
    return HoldRule(**common, kinds=t.names("kinds", HOLD_KINDS))


def risk_flag(t: PackTable, common: dict[str, Any]) -> RiskFlagRule:
    return RiskFlagRule(
        **common,
        flag=t.choice("flag", RISK_FLAGS),
        effect=t.choice("effect", RISK_EFFECTS),
        except_templates=t.strings("except_templates"),
    )


ALLOWED: dict[str, set[str]] = {
    "hours": COMMON | {"start", "end", "time_zone", "agreed_times_override"},
    "caps": COMMON
    | {"limit", "period_days", "scope", "counts", "not_counted", "numbers", "time_zone"}
    | {"exemptions", "window"}
    | translated("window_citation"),
    "quiet_periods": COMMON
    | {"after", "days", "event_day_is_day_one", "scope", "time_zone", "exemptions"},
    "content": COMMON | {"must_contain", "required_elements", "example"},
    "records": COMMON | {"records", "must_record", "media", "keep_years", "kept_from"},
    "staffing": COMMON | {"min_collectors", "credential", "visit_minutes"},
    "consent": COMMON | {"number_types"},
    "holds": COMMON | {"kinds"},
    "risk_flags": COMMON | {"flag", "effect", "except_templates"},
}
