"""Contact-frequency caps, counted from the contact log itself.

The log is the single source of truth: the count an auditor sees is the count the rule
used. The pipeline runs this rule inside the transaction (and per-debtor lock) in which
an allowed message is claimed, so the check and the taking of the slot are one step.

A cap may cover only some numbers (``numbers`` in the pack): Massachusetts caps personal
numbers (mobile, home, or a number the record does not type) and other numbers (work,
other) apart, each counting only attempts to numbers of its kind.

A cap of N in D days is read as a rolling window by default: it counts the attempts of
the last D × 24 hours of elapsed time (DST changes nothing), and when full the message
is deferred to the instant the oldest counted attempt is a full period old. A pack may
choose the calendar-day reading for a cap (``window = "calendar_days"``, with its
citation): attempts since local midnight D-1 days ago, a slot freeing at a local
midnight. The verdict names the reading each cap used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from compliance.gate import CheckSubject
from compliance.hours.zones import UnknownLocation, debtor_zones
from compliance.packs import (
    CapRule,
    CapWindow,
    NumberKind,
    PackError,
    PackSet,
    Scope,
    load_packs,
)
from compliance.verdict import RuleResult

__all__ = [
    "AGREEMENT_EXEMPTIONS",
    "OTHER_TYPES",
    "CapPeriod",
    "FrequencyCapRule",
    "agreement_exempts",
    "covers_destination",
    "local_midnight",
    "numbers_filter",
    "packs_or_refusal",
    "zones_for",
]

# Which channel's messages carry each counted event ("call.answered" → voice messages).
_EVENT_CHANNEL = {"sms": "sms", "call": "voice", "email": "email"}
# Number types (the debtor's record) that are not personal numbers (940 CMR 7.04(1)(f)).
OTHER_TYPES = frozenset({"work", "other"})
# Exemptions that a debtor's standing agreement (``CheckSubject.agreed_until``) grants.
AGREEMENT_EXEMPTIONS = frozenset({"consumer_consent_7_days", "debtor_agreed"})


def counted_channels(counts: Iterable[str]) -> frozenset[str]:
    """The channels whose messages the counted events ``counts`` are about."""
    prefixes = {e.split(".")[0] for e in counts}
    return frozenset(_EVENT_CHANNEL[p] for p in prefixes if p in _EVENT_CHANNEL)


def agreement_exempts(
    exemptions: frozenset[str], subject: CheckSubject, at: datetime
) -> str | None:
    """Why the debtor's agreement exempts a rule with ``exemptions`` at ``at``, or None."""
    agreed = subject.agreed_until
    used = sorted(exemptions & AGREEMENT_EXEMPTIONS)
    if not used or agreed is None or agreed <= at:
        return None
    return f"{', '.join(used)}: the debtor agreed to contact until {agreed.isoformat()}"


class _Cited(Protocol):
    id: str
    citation: str


def packs_or_refusal(
    rule: _Cited, subject: CheckSubject, loader: Callable[[Iterable[str]], PackSet]
) -> PackSet | RuleResult:
    """The debtor's packs, or the rule's refusal when there are none (fail closed)."""
    if not subject.packs:
        return RuleResult.block(
            rule.id, rule.citation, "no rule packs apply to this debtor", code="packs.none"
        )
    try:
        return loader(subject.packs)
    except PackError as exc:
        return RuleResult.block(
            rule.id, rule.citation, f"no rule packs: {exc}",
            code="packs.unavailable", params={"error": str(exc)},
        )  # fmt: skip


class FrequencyCapRule:
    id = "frequency.cap"
    citation = "Contact-frequency caps of the debtor's rule packs (12 CFR 1006.14(b); 940 CMR 7.04)"
    citations = (("zh-CN", "债务人适用规则包的联系频次上限（12 CFR 1006.14(b)；940 CMR 7.04）"),)

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        packs = packs_or_refusal(self, subject, self.pack_loader)
        if isinstance(packs, RuleResult):
            return packs
        inputs: dict[str, Any] = {
            "packs": list(packs.ids), "pack_versions": packs.versions, "pack_files": packs.files,
        }  # fmt: skip
        checked: list[dict[str, Any]] = []
        exempt: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        periods: list[CapPeriod] = []
        for cap in packs.strictest_caps(subject.channel):
            if subject.channel not in counted_channels(cap.counts):
                continue  # e.g. a call cap that texts do not count toward
            if not covers_destination(cap.numbers, subject):
                skipped.append({"cap": cap.ref, "numbers": cap.numbers.value,
                                "destination_type": subject.destination_type})  # fmt: skip
                continue
            why = agreement_exempts(cap.exemptions, subject, subject.now)
            if why is not None:
                exempt.append({"cap": cap.ref, "exempt": why, "citation": cap.citation})
                continue
            try:
                periods.append(CapPeriod.of(cap, subject))
            except UnknownLocation as exc:
                return RuleResult.block(
                    self.id, cap.citation, str(exc), citations=dict(cap.citations),
                    code="location.unknown", params={"error": str(exc)}, **inputs,
                )  # fmt: skip
        full: list[tuple[datetime, CapRule, dict[str, Any]]] = []
        counted = await _count_all(periods, subject)
        for window, (entry, frees) in zip(periods, counted, strict=True):
            checked.append(entry)
            if frees is not None:
                full.append((frees, window.cap, entry))
        inputs["caps"] = checked
        if skipped:
            inputs["other_kind_of_number"] = skipped
        if exempt:
            inputs["exempt"] = exempt
        if not full:
            return RuleResult.allow(self.id, self.citation, **inputs)
        until, cap, entry = max(full, key=lambda f: f[0])
        return RuleResult.defer(
            self.id,
            cap.citation,
            f"{cap.ref}: {entry['count']} of {cap.limit} contacts per {cap.period_days} day(s) "
            f"per {cap.scope.value} already made (counting {', '.join(sorted(cap.counts))}; "
            f"{_READING[cap.window]})",
            until,
            citations=dict(cap.citations),
            code="cap.full",
            params={
                "cap": cap.ref,
                "count": entry["count"],
                "limit": cap.limit,
                "period_days": cap.period_days,
                "scope": cap.scope.value,
                "reading": cap.window.value,
            },
            **inputs,
        )


_READING = {
    CapWindow.ROLLING: "rolling window: a slot frees when the oldest counted contact is a "
    "full period old",
    CapWindow.CALENDAR_DAYS: "calendar days: a slot frees at local midnight",
}


@dataclass(frozen=True)
class CapPeriod:
    """The stretch of time a cap counts, read as its pack says (``CapWindow``)."""

    cap: CapRule
    since: datetime  # counted: attempts at or after this instant
    zones: tuple[ZoneInfo, ...]  # calendar days only: whose midnights

    @classmethod
    def of(cls, cap: CapRule, subject: CheckSubject) -> CapPeriod:
        if cap.window is CapWindow.ROLLING:
            # Elapsed time, in UTC (DST-proof). An attempt exactly a full period old no
            # longer counts, hence one tick after ``now - period``.
            since = subject.now.astimezone(UTC) - timedelta(days=cap.period_days) + _TICK
            return cls(cap, since, ())
        zones = tuple(zones_for(cap.time_zone, subject))
        since = min(local_midnight(subject.now, z, days_back=cap.period_days - 1) for z in zones)
        return cls(cap, since, zones)

    def frees_at(self, oldest: datetime) -> datetime:
        """When the attempt at ``oldest`` stops counting."""
        if self.cap.window is CapWindow.ROLLING:
            return oldest.astimezone(UTC) + timedelta(days=self.cap.period_days)
        return max(local_midnight(oldest, z, days_back=-self.cap.period_days) for z in self.zones)


# The contact log's time resolution (microseconds, on SQLite and PostgreSQL alike).
_TICK = timedelta(microseconds=1)


_Counted = tuple[dict[str, Any], datetime | None]


async def _count_all(periods: list[CapPeriod], subject: CheckSubject) -> list[_Counted]:
    """Each cap's count, in the order given; widest windows first, so that a cap whose
    window lies inside one already counted (same events, scope and numbers) with fewer
    than its limit there is known to be under its limit without a query of its own (org:
    fewer than 3 texts in 7 days means fewer than 3 in the last 24 hours)."""
    known: dict[tuple[Any, ...], list[tuple[datetime, int, str]]] = {}
    results: dict[int, _Counted] = {}
    for index, window in sorted(enumerate(periods), key=lambda p: p[1].since):
        cap = window.cap
        key = (cap.counts, cap.scope, cap.numbers)
        wider = [k for k in known.get(key, []) if k[0] <= window.since and k[1] < cap.limit]
        if wider:
            _, count, ref = wider[0]
            results[index] = (_entry(cap, window) | {"count_at_most": count, "implied_by": ref},
                              None)  # fmt: skip
            continue
        entry, frees = await _count(cap, window, subject)
        known.setdefault(key, []).append((window.since, entry["count"], cap.ref))
        results[index] = (entry, frees)
    return [results[i] for i in range(len(periods))]


def _entry(cap: CapRule, window: CapPeriod) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "cap": cap.ref, "limit": cap.limit, "period_days": cap.period_days,
        "window": cap.window.value, "scope": cap.scope.value, "counts": sorted(cap.counts),
        "since": window.since.isoformat(), "numbers": cap.numbers.value,
        "citation": cap.citation,
    }  # fmt: skip
    if cap.window is CapWindow.CALENDAR_DAYS:
        entry["zones"] = [z.key for z in window.zones]
        entry["window_citation"] = cap.window_citation
        if cap.window_citations:
            entry["window_citations"] = dict(cap.window_citations)
    return entry


async def _count(
    cap: CapRule, window: CapPeriod, subject: CheckSubject
) -> tuple[dict[str, Any], datetime | None]:
    """The cap's count as the verdict shows it, and when a slot frees if it is full."""
    count = await subject.facts.count_attempts(
        debtor_ref=subject.debtor_ref,
        counts=cap.counts,
        since=window.since,
        account_ref=subject.account_ref if cap.scope is Scope.DEBT else None,
        destination=subject.destination if cap.scope is Scope.PHONE_NUMBER else None,
        **numbers_filter(cap.numbers, subject),
    )
    entry = _entry(cap, window) | {"count": count.count}
    if count.count < cap.limit:
        return entry, None
    frees = window.frees_at(count.oldest_at or subject.now)
    entry["oldest_counted"] = count.oldest_at.isoformat() if count.oldest_at else None
    entry["frees_at"] = frees.isoformat()
    return entry, frees


def zones_for(time_zone: str | None, subject: CheckSubject) -> list[ZoneInfo]:
    """The pack's fixed zone, else every zone the debtor may be in."""
    if time_zone:
        return [ZoneInfo(time_zone)]
    names, _ = debtor_zones(
        subject.destination,
        subject.debtor_time_zone,
        address_country=subject.debtor_address_country,
        address_region=subject.debtor_address_region,
    )
    return [ZoneInfo(name) for name in names]


def covers_destination(numbers: NumberKind, subject: CheckSubject) -> bool:
    """Whether a cap on ``numbers`` covers this destination. A number typed work or other
    is an "other" number; mobile, home, or not typed at all (the conservative reading) is
    a personal one."""
    if numbers is NumberKind.ANY:
        return True
    other = subject.destination_type in OTHER_TYPES
    return other if numbers is NumberKind.OTHER else not other


def numbers_filter(numbers: NumberKind, subject: CheckSubject) -> dict[str, Any]:
    """How a cap on ``numbers`` narrows the count: attempts to the debtor's other numbers
    only, or to any number but those. (Nothing is passed when nothing narrows.)"""
    others = tuple(dict.fromkeys(subject.other_numbers))
    if numbers is NumberKind.OTHER:
        return {"destinations": tuple(dict.fromkeys((*others, subject.destination)))}
    if numbers is NumberKind.PERSONAL and others:
        return {"excluding": others}
    return {}


def local_midnight(instant: datetime, zone: ZoneInfo, *, days_back: int) -> datetime:
    """Local midnight ``days_back`` days before the local date of ``instant``, in UTC."""
    day = instant.astimezone(zone).date() - timedelta(days=days_back)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(instant.tzinfo)
