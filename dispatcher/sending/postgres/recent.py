"""A debtor's recent attempts, read with the debtor's lock, answering the caps' questions.

The decision statement (``statements.DECISION``) returns the debtor's attempts that count
for any kind since a horizon, each with the kinds it counts for as bits — evaluated by
PostgreSQL with the very conditions ``counted`` gives the count queries. A question about
attempts since the horizon or later is then a filter over those rows here (equality and
time comparisons only), not a round trip; one reaching further back, or past rows the
limit cut off, is asked in SQL as before (``answers`` says which).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance import AttemptCount, AttemptFact
from dispatcher.sending.postgres.statements import ATTEMPT_KINDS

__all__ = ["DEFAULT_PREFETCH", "Prefetch", "RecentAttempts"]

_BITS = {kind: 1 << bit for bit, kind in enumerate(ATTEMPT_KINDS)}


@dataclass(frozen=True)
class Prefetch:
    """How far back the decision statement reads a debtor's attempts, and at most how many.

    31 days covers every cap and quiet period of the packs here (the longest: us-ma's 30
    days); a debtor has a few attempts in it, as the caps themselves keep it so. Questions
    beyond it are asked in SQL."""

    span: timedelta = timedelta(days=31)
    limit: int = 200


DEFAULT_PREFETCH = Prefetch()

# (attempted_at, result, account_ref, destination, kinds), newest first
_Attempt = tuple[datetime, str | None, str | None, str, int]


class RecentAttempts:
    def __init__(self, rows: Sequence[_Attempt] | None, *, horizon: datetime, limit: int) -> None:
        self.rows: Sequence[_Attempt] = rows or ()
        cut = len(self.rows) > limit
        if cut:  # the limit was read one past: the oldest rows' time may have more
            self.rows = self.rows[:limit]
        # Every counted attempt at or after ``horizon`` is here; past a cut, only those
        # strictly after the oldest time read (more may share that time).
        self._horizon = horizon
        self._after = self.rows[-1][0] if cut else None

    def answers(self, since: datetime) -> bool:
        return since > self._after if self._after is not None else since >= self._horizon

    def count(
        self,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None,
        destination: str | None,
        destinations: tuple[str, ...] | None,
        excluding: tuple[str, ...],
    ) -> AttemptCount:
        times = [row[0] for row in self._matching(counts, since, account_ref, destination,
                                                   destinations, excluding)]  # fmt: skip
        return AttemptCount(len(times), min(times) if times else None)

    def latest(
        self, counts: frozenset[str], since: datetime, account_ref: str | None,
        destination: str | None,
    ) -> AttemptFact | None:  # fmt: skip
        for at, result, *_ in self._matching(counts, since, account_ref, destination, None, ()):
            return AttemptFact(at, result)  # newest first
        return None

    def _matching(
        self,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None,
        destination: str | None,
        destinations: tuple[str, ...] | None,
        excluding: tuple[str, ...],
    ) -> Iterator[_Attempt]:
        """``statements.attempts_sql``'s frame: the same scope, numbers and times."""
        if destinations is not None and not destinations:
            return
        mask = 0
        for kind in counts:
            mask |= _BITS[kind]
        for row in self.rows:
            at, _, account, number, kinds = row
            if at < since:
                return  # newest first: the rest are older
            if not kinds & mask:
                continue
            if account_ref is not None and account != account_ref:
                continue
            if destination is not None and number != destination:
                continue
            if destinations is not None and number not in destinations:
                continue
            if number in excluding:
                continue
            yield row
