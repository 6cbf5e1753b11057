"""Several packs applied to one debtor, composed so that the strictest rule wins.

Allowed hours compose by intersection: the latest start and the earliest end, checked in
every time zone any contributing pack asks about. Caps all apply; ``strictest_caps``
drops the ones another cap already implies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import time

from compliance.citations import joined
from compliance.packs.model import (
    CapRule,
    CapWindow,
    ConsentRule,
    ContentRule,
    HoldRule,
    HoursRule,
    HoursWindow,
    Pack,
    QuietPeriodRule,
    RecordsRule,
    RiskFlagRule,
    Scope,
    StaffingRule,
)

__all__ = ["AllowedHours", "PackSet", "strictest_caps"]


@dataclass(frozen=True)
class AllowedHours:
    """The composed allowed hours for one channel, and the pack rules they came from."""

    channel: str
    start: time  # the latest start of the contributing rules
    end: time  # the earliest end
    fixed_zones: tuple[str, ...]  # zones packs fix (cn: Asia/Shanghai), whatever the debtor's
    debtor_local: bool  # some pack measures the hours at the debtor's location
    agreed_times_override: bool  # every contributing pack lets an agreed time override them
    rules: tuple[HoursRule, ...]

    @property
    def window(self) -> HoursWindow | None:
        """The window, or None when the packs' windows do not overlap at all."""
        return HoursWindow(self.start, self.end) if self.start < self.end else None

    @property
    def packs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.pack for r in self.rules))

    @property
    def start_from(self) -> tuple[str, ...]:
        """The rules that set the start (``pack:rule``)."""
        return tuple(r.ref for r in self.rules if r.window.start == self.start)

    @property
    def end_from(self) -> tuple[str, ...]:
        return tuple(r.ref for r in self.rules if r.window.end == self.end)

    @property
    def citation(self) -> str:
        return self._cited[0]

    @property
    def citations(self) -> dict[str, str]:
        """``citation`` in the other languages the contributing packs name it in."""
        return self._cited[1]

    @functools.cached_property
    def _cited(self) -> tuple[str, dict[str, str]]:
        return joined((r.citation, r.citations) for r in self.rules)

    def __str__(self) -> str:
        return f"[{self.start:%H:%M}, {self.end:%H:%M})"


@dataclass(frozen=True)
class PackSet:
    """The packs that apply to one debtor, in the order they were named."""

    packs: tuple[Pack, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.packs)

    @property
    def versions(self) -> dict[str, str]:
        """Pack id to version: recorded with each verdict so a decision can be replayed."""
        return {p.id: p.version for p in self.packs}

    @property
    def files(self) -> dict[str, str]:
        """Pack id to the file it was read from: a deployment's (RULE_PACKS_DIR) or ours."""
        return {p.id: str(p.file) for p in self.packs}

    def allowed_hours(self, channel: str) -> AllowedHours | None:
        """The intersection of every pack's hours for ``channel``; None when no pack has any."""
        rules = tuple(r for p in self.packs for r in p.hours if channel in r.channels)
        if not rules:
            return None
        return AllowedHours(
            channel=channel,
            start=max(r.window.start for r in rules),
            end=min(r.window.end for r in rules),
            fixed_zones=tuple(dict.fromkeys(r.time_zone for r in rules if r.time_zone)),
            debtor_local=any(r.time_zone is None for r in rules),
            agreed_times_override=all(r.agreed_times_override for r in rules),
            rules=rules,
        )

    def caps(self, channel: str) -> tuple[CapRule, ...]:
        """Every cap that can refuse a contact on ``channel`` (see ``strictest_caps``)."""
        return tuple(c for p in self.packs for c in p.caps if channel in c.channels)

    def strictest_caps(self, channel: str) -> tuple[CapRule, ...]:
        return strictest_caps(self.caps(channel))

    def quiet_periods(self, channel: str) -> tuple[QuietPeriodRule, ...]:
        return tuple(q for p in self.packs for q in p.quiet_periods if channel in q.channels)

    def content(self, channel: str) -> tuple[ContentRule, ...]:
        return tuple(c for p in self.packs for c in p.content if channel in c.channels)

    def records(self) -> tuple[RecordsRule, ...]:
        return tuple(r for p in self.packs for r in p.records)

    def staffing(self, channel: str) -> tuple[StaffingRule, ...]:
        return tuple(s for p in self.packs for s in p.staffing if channel in s.channels)

    def visit_minutes(self) -> int | None:
        """A visit's planned duration when its request gives none: the longest any pack
        plans (the whole visit must fit the allowed hours)."""
        planned = [s.visit_minutes for s in self.staffing("visit") if s.visit_minutes]
        return max(planned, default=None)

    def consent(self, channel: str) -> tuple[ConsentRule, ...]:
        return tuple(c for p in self.packs for c in p.consent if channel in c.channels)

    def hold_citations(self, kind: str, channel: str) -> tuple[HoldRule, ...]:
        """The packs' rules citing why a ``kind`` hold stops a contact on ``channel``."""
        return tuple(
            h for p in self.packs for h in p.holds if kind in h.kinds and channel in h.channels
        )

    def risk_flag_rules(self, flag: str, channel: str) -> tuple[RiskFlagRule, ...]:
        """What the packs make of ``flag`` for a contact on ``channel`` (every pack's rule
        applies: the strictest wins)."""
        return tuple(
            r for p in self.packs for r in p.risk_flags if r.flag == flag and channel in r.channels
        )


_CapKey = tuple[Scope, frozenset[str], str, str | None]


def strictest_caps(caps: tuple[CapRule, ...]) -> tuple[CapRule, ...]:
    """The caps left once those another cap already implies are dropped.

    Caps are compared only when they count the same thing: the same scope, the same
    counted events, the same kind of number and the same calendar (time zone). Within such
    a group, cap A implies cap B when A allows no more events (``limit``) over at least as
    many days (``period_days``) with no more exemptions — so for equal periods the smallest
    limit is kept. Caps that neither implies (3 a day vs 7 a week) are both kept: both apply.
    Of identical caps the first is kept.
    """
    groups: dict[_CapKey, list[CapRule]] = {}
    for cap in caps:
        groups.setdefault((cap.scope, cap.counts, cap.numbers.value, cap.time_zone), []).append(cap)
    dropped: set[int] = set()
    for group in groups.values():
        for i, cap in enumerate(group):
            if any(
                _implies(other, cap) and (j < i or not _implies(cap, other))
                for j, other in enumerate(group)
                if j != i
            ):
                dropped.add(id(cap))
    return tuple(c for c in caps if id(c) not in dropped)


def _implies(a: CapRule, b: CapRule) -> bool:
    """Whether keeping to ``a`` always keeps to ``b`` (both count the same events)."""
    # A rolling window of N days covers the calendar reading's N days and more: it counts at
    # least as many events, so a rolling cap implies a calendar one with the same numbers.
    same_or_wider = a.window is b.window or a.window is CapWindow.ROLLING
    return (
        same_or_wider
        and a.limit <= b.limit
        and a.period_days >= b.period_days
        and a.exemptions <= b.exemptions
    )
