"""The projection: the contact log's rows, read after they commit, written as events to
the journal (``outbound_events``) that the feed and the webhooks read.

The send path writes nothing for events: its ``message_events`` rows are the source.
Holds give ``hold.set`` (by id) and ``hold.lifted`` (by ``lifted_at``, an update); risk
flags' append-only rows give ``risk_flag.set`` and ``risk_flag.cleared``.

One projection writes at a time (a PostgreSQL advisory lock; SQLite has one writer), so
journal rows commit in the order of their ``seq`` — a cursor on it skips nothing. Reading
the sources uses ``gaps.Position``: a row that commits late is projected late, never lost.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, Table, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from dispatcher.clock import Clock
from dispatcher.contactlog.models import Hold, Message, MessageEvent
from dispatcher.events.gaps import Gap, Position
from dispatcher.events.kinds import (
    Derived,
    EventType,
    hold_event,
    message_events,
    risk_flag_events,
)
from dispatcher.events.models import EventSource, OutboundEvent
from dispatcher.proof.seal import LAG
from dispatcher.risk_flags.models import RiskFlagEvent

__all__ = ["BATCH", "Projection", "project"]

log = logging.getLogger(__name__)

BATCH = 1000  # source rows read per source and projection, at most
_LOCK_KEY = 0x6F75_7462_6F75_6E64  # pg advisory lock: one projection at a time


@dataclass(frozen=True)
class IdSource:
    """A table whose rows are appended with increasing ids, and the events each row gives."""

    name: str
    query: Callable[[ColumnElement[bool] | None], Select[Any]]  # rows matching a condition
    id_column: Callable[[], ColumnElement[int]]
    derive: Callable[[Mapping[str, Any]], list[Derived]]
    # What else a row needs to be derived, read for the whole batch at once.
    prepare: Callable[[AsyncConnection, Sequence[Row[Any]]], Awaitable[list[dict[str, Any]]]] = (
        lambda _conn, rows: _as_dicts(rows)
    )


async def _as_dicts(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in rows]


def _message_rows(where: ColumnElement[bool] | None) -> Select[Any]:
    events, messages = _table(MessageEvent), _table(Message)
    m = messages.c
    query = select(
        events.c.id, events.c.message_id, events.c.at, events.c.source, events.c.status,
        events.c.detail, m.debtor_ref, m.account_ref, m.channel, m.requested_by, m.result,
        m.disposition, m.duration_s, m.answered_by, m.collector_id, m.collector_ids,
    ).join(messages, m.id == events.c.message_id)  # fmt: skip
    return query if where is None else query.where(where)


async def _with_previous(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Each message event with the status of its message's event before it: one query
    for the batch's messages by their index (a subquery per row would let the planner
    walk the primary key backwards past every other message's events)."""
    events = _table(MessageEvent)
    history: dict[str, list[tuple[int, str]]] = defaultdict(list)
    wanted = sorted({r.message_id for r in rows})
    for chunk in (wanted[i : i + 1000] for i in range(0, len(wanted), 1000)):
        found = await conn.execute(
            select(events.c.message_id, events.c.id, events.c.status)
            .where(events.c.message_id.in_(chunk))
            .order_by(events.c.id)
        )
        for message_id, event_id, status in found:
            history[message_id].append((event_id, status))
    shown = []
    for row in rows:
        earlier = history[row.message_id]
        at = bisect.bisect_left(earlier, (row.id, ""))
        shown.append({**row._mapping, "previous_status": earlier[at - 1][1] if at else None})
    return shown


def _whole_rows(model: type[Any]) -> Callable[[ColumnElement[bool] | None], Select[Any]]:
    def rows(where: ColumnElement[bool] | None) -> Select[Any]:
        query = select(_table(model))
        return query if where is None else query.where(where)

    return rows


_hold_rows = _whole_rows(Hold)


MESSAGE_SOURCE = IdSource(
    "message_events", _message_rows, lambda: _table(MessageEvent).c.id, message_events,
    _with_previous,
)  # fmt: skip
HOLD_SOURCE = IdSource(
    "holds", _hold_rows, lambda: _table(Hold).c.id, lambda r: [hold_event(r, EventType.HOLD_SET)]
)
RISK_FLAG_SOURCE = IdSource(
    "risk_flag_events",
    _whole_rows(RiskFlagEvent),
    lambda: _table(RiskFlagEvent).c.id,
    risk_flag_events,
)
# Another append-only table becomes events by one more IdSource here.
ID_SOURCES = (MESSAGE_SOURCE, HOLD_SOURCE, RISK_FLAG_SOURCE)
LIFTS = "holds_lifted"


async def project(
    engine: AsyncEngine, *, now: datetime, lag: timedelta = LAG, batch: int = BATCH
) -> int:
    """Project what committed since the last projection; the number of events written
    (0 also when another projection is at work)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql" and not await conn.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
        ):
            return 0
        states = {r.name: r for r in await conn.execute(select(_table(EventSource)))}
        by_source: list[list[Derived]] = []
        positions: dict[str, Position] = {}
        for source in ID_SOURCES:
            state = states.get(source.name)
            before = Position(
                state.high if state else 0,
                tuple(Gap.from_json(g) for g in (state.pending if state else [])),
            )
            events, positions[source.name] = await _read(conn, source, before, now, lag, batch)
            by_source.append(events)
        lifts, mark = await _lifts(conn, states.get(LIFTS), positions[HOLD_SOURCE.name].high, lag)
        by_source.append(lifts)
        # Sources interleaved by time; each one's own order kept (one message's events
        # stay in id order even if two processes' clocks disagree on their times).
        derived = list(heapq.merge(*by_source, key=lambda d: d.occurred_at))
        await _append(conn, derived, now)
        rows: list[dict[str, Any]] = [
            {"name": n, "high": p.high, "pending": [g.to_json() for g in p.pending], "mark": None}
            for n, p in positions.items()
        ]
        rows.append({"name": LIFTS, "high": 0, "pending": [], "mark": mark})
        await _save(conn, [r for r in rows if _changed(states.get(r["name"]), r)])
        return len(derived)


async def _append(conn: AsyncConnection, derived: Sequence[Derived], now: datetime) -> None:
    """The events into the journal, each once (a second projection of a row adds none)."""
    if derived:
        await conn.execute(_insert(conn)(OutboundEvent).on_conflict_do_nothing(), [
            {
                "event_id": d.event_id, "type": str(d.type), "order_key": d.order_key,
                "occurred_at": d.occurred_at, "projected_at": now, "data": d.data,
            }
            for d in derived
        ])  # fmt: skip


async def _save(conn: AsyncConnection, positions: Sequence[dict[str, Any]]) -> None:
    if positions:
        upsert = _insert(conn)(EventSource)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=["name"],
                set_={c: upsert.excluded[c] for c in ("high", "pending", "mark")},
            ),
            positions,
        )


async def _read(
    conn: AsyncConnection, source: IdSource, before: Position, now: datetime,
    lag: timedelta, batch: int,
) -> tuple[list[Derived], Position]:  # fmt: skip
    ids = source.id_column()
    rows = list(await conn.execute(source.query(ids > before.high).order_by(ids).limit(batch)))
    if before.pending:
        late = or_(*(ids.between(g.first, g.last) for g in before.pending))
        rows.extend(await conn.execute(source.query(late)))
    rows.sort(key=lambda r: r.id)
    derived = [d for row in await source.prepare(conn, rows) for d in source.derive(row)]
    return derived, before.after((r.id for r in rows), now=now, lag=lag)


async def _lifts(
    conn: AsyncConnection, state: Any, hold_high: int, lag: timedelta
) -> tuple[list[Derived], datetime | None]:
    """Holds lifted since the last projection: ``lifted_at`` from ``lag`` before the
    latest one seen (a lift committing that late is the one case missed), less those
    already projected."""
    mark: datetime | None = state.mark if state else None
    holds = _table(Hold)
    query = _hold_rows(holds.c.lifted_at.is_not(None) & (holds.c.id <= hold_high))
    if mark is not None:
        query = query.where(holds.c.lifted_at >= mark - lag)
    rows = list(await conn.execute(query.order_by(holds.c.lifted_at, holds.c.id)))
    if not rows:
        return [], mark
    wanted = {f"evt_h{r.id}_{EventType.HOLD_LIFTED}": r for r in rows}
    journal = _table(OutboundEvent)
    done = set(await conn.scalars(select(journal.c.event_id).where(journal.c.event_id.in_(wanted))))
    latest = max(r.lifted_at for r in rows)
    fresh = [hold_event(r._mapping, EventType.HOLD_LIFTED) for k, r in wanted.items()
             if k not in done]  # fmt: skip
    return fresh, latest if mark is None else max(mark, latest)


def _changed(state: Any, row: Mapping[str, Any]) -> bool:
    if state is None:
        return True
    return bool(
        state.high != row["high"] or list(state.pending) != row["pending"]
        or state.mark != row["mark"]
    )  # fmt: skip


def _insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Projection:
    """Projections on demand, at most one per ``interval_s`` in this process: the feed's
    long-polls and the deliverer share it instead of each projecting on its own."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, interval_s: float = 0.2) -> None:
        self.engine = engine
        self.clock = clock
        self.interval_s = interval_s
        self._lock = asyncio.Lock()
        self._last = float("-inf")

    async def refresh(self) -> None:
        """Project now, unless done within the interval. A failure is logged: readers go
        on with the journal as it is, and the next refresh tries again."""
        async with self._lock:
            if time.monotonic() - self._last < self.interval_s:
                return
            try:
                await project(self.engine, now=self.clock.now())
            except Exception:
                log.exception("events: a projection failed; it is tried again")
            self._last = time.monotonic()

    @staticmethod
    def sources() -> Sequence[str]:
        return [s.name for s in ID_SOURCES]
