"""Contact-frequency caps, counted from the contact log itself.

The log is the single source of truth: the count an auditor sees is the count the rule
used. The pipeline runs this rule inside the transaction (and per-debtor lock) in which
an allowed message is claimed, so the check and the taking of the slot are one step.

A cap may cover only some numbers (``numbers`` in the pack): Massachusetts caps personal
numbers (mobile, home, or a number the record does not type) and other numbers (work,
other) apart, each counting only attempts to numbers of its kind.

A cap of N "in any run of D consecutive calendar days" counts attempts since local
midnight D-1 days ago; when full, the message is deferred to the local midnight on which
the oldest counted attempt leaves the window, and checked again then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from compliance.gate import CheckSubject
from compliance.hours.zones import UnknownLocation, debtor_zones
from compliance.packs import NumberKind, PackError, PackSet, Scope, load_packs
from compliance.verdict import RuleResult

__all__ = [
    "AGREEMENT_EXEMPTIONS",
    "OTHER_TYPES",
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
        return RuleResult.block(rule.id, rule.citation, "no rule packs apply to this debtor")
    try:
        return loader(subject.packs)
    except PackError as exc:
        return RuleResult.block(rule.id, rule.citation, f"no rule packs: {exc}")


class FrequencyCapRule:
    id = "frequency.cap"
    citation = "Contact-frequency caps of the debtor's rule packs (12 CFR 1006.14(b); 940 CMR 7.04)"

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        packs = packs_or_refusal(self, subject, self.pack_loader)
        if isinstance(packs, RuleResult):
            return packs
        inputs: dict[str, Any] = {"packs": list(packs.ids), "pack_versions": packs.versions}
        checked: list[dict[str, Any]] = []
        exempt: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        full = []
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
                zones = zones_for(cap.time_zone, subject)
            except UnknownLocation as exc:
                return RuleResult.block(self.id, cap.citation, str(exc), **inputs)
            since = min(
                local_midnight(subject.now, z, days_back=cap.period_days - 1) for z in zones
            )
            count = await subject.facts.count_attempts(
                debtor_ref=subject.debtor_ref,
                counts=cap.counts,
                since=since,
                account_ref=subject.account_ref if cap.scope is Scope.DEBT else None,
                destination=subject.destination if cap.scope is Scope.PHONE_NUMBER else None,
                **numbers_filter(cap.numbers, subject),
            )
            entry: dict[str, Any] = {
                "cap": cap.ref, "limit": cap.limit, "period_days": cap.period_days,
                "scope": cap.scope.value, "counts": sorted(cap.counts), "count": count.count,
                "since": since.isoformat(), "zones": [z.key for z in zones],
                "numbers": cap.numbers.value, "citation": cap.citation,
            }  # fmt: skip
            checked.append(entry)
            if count.count >= cap.limit:
                oldest = count.oldest_at or subject.now
                frees = max(local_midnight(oldest, z, days_back=-cap.period_days) for z in zones)
                full.append((frees, cap, entry))
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
            f"per {cap.scope.value} already made (counting {', '.join(sorted(cap.counts))})",
            until,
            **inputs,
        )


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
