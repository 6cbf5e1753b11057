"""Ids taken but not seen yet: the safe-prefix idea of ``dispatcher/proof/seal.py``, kept
so that nothing waits for them.

A source table's ids are taken when a row is inserted and become visible when its
transaction commits, so id 101 can be read while id 100 is still in flight. The
projection reads everything visible, and remembers each id it skipped, with the time it
first missed it: the next reads ask for those ids again, and a late commit is projected
then. An id still missing ``lag`` after it was first missed was rolled back (its
transaction would have had to stay open longer than that): it is forgotten. Every id up
to ``high`` is then read or pending, which is what a cursor over the source needs.

Missing ids are kept as ranges: a batch insert in flight can hold thousands at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Gap", "Position"]


@dataclass(frozen=True)
class Gap:
    """Ids ``first`` to ``last`` (inclusive), missing since ``since``."""

    first: int
    last: int
    since: datetime

    def to_json(self) -> list[Any]:
        return [self.first, self.last, self.since.isoformat()]

    @classmethod
    def from_json(cls, value: Sequence[Any]) -> Gap:
        return cls(int(value[0]), int(value[1]), datetime.fromisoformat(value[2]))


@dataclass(frozen=True)
class Position:
    """Where a projection stands in one source: ids up to ``high`` are read or pending."""

    high: int
    pending: tuple[Gap, ...] = ()

    def after(self, seen: Iterable[int], *, now: datetime, lag: timedelta) -> Position:
        """The position once the ids ``seen`` were read: the ones read past ``high`` move
        it up; the ones skipped on the way become pending; pending ids read are no longer
        pending; and pending ones missing longer than ``lag`` are forgotten."""
        found = sorted(set(seen))
        high = max(found[-1], self.high) if found else self.high
        gaps = [*self.pending, *([Gap(self.high + 1, high, now)] if high > self.high else [])]
        kept: list[Gap] = []
        for gap in gaps:
            if gap.since < now - lag:
                continue  # rolled back
            kept.extend(_without(gap, found))
        return Position(high, tuple(kept))


def _without(gap: Gap, found: Sequence[int]) -> list[Gap]:
    """``gap`` less the ids in ``found`` (sorted)."""
    left: list[Gap] = []
    start = gap.first
    for i in found:
        if i < start:
            continue
        if i > gap.last:
            break
        if i > start:
            left.append(Gap(start, i - 1, gap.since))
        start = i + 1
    if start <= gap.last:
        left.append(Gap(start, gap.last, gap.since))
    return left
