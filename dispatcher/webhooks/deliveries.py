"""Deliveries: the events each subscription is owed, their retries and dead letters.

Fan-out copies the journal's events a subscription asked for into its deliveries, moving
its cursor. Only the first pending delivery of each thing (``order_key``: one message,
one hold) is ``ready``; when it is delivered or given up, the next one of that thing
becomes ready — so one message's events arrive in order, while other messages' go on.
A failed attempt waits base, 2 x base, 4 x base ... (at most ``max_s``); one whose next
try would fall past ``for_s`` after its first attempt becomes a dead letter, which lets
the next event of its message go, and which an admin can replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, and_, bindparam, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.events.models import OutboundEvent, Subscription, WebhookAttempt, WebhookDelivery
from dispatcher.settings import Settings

__all__ = [
    "STATES", "Outcome", "RetryPolicy", "due", "fan_out", "list_attempts", "list_deliveries",
    "record", "replay",
]  # fmt: skip

STATES = ("pending", "delivered", "dead")


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


DELIVERIES, JOURNAL, ATTEMPTS = (
    _table(WebhookDelivery),
    _table(OutboundEvent),
    _table(WebhookAttempt),
)


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float
    max_s: float
    for_s: float

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        return cls(
            settings.webhook_retry_base_s,
            settings.webhook_retry_max_s,
            settings.webhook_retry_for_s,
        )

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.base_s * 2 ** min(attempts - 1, 40), self.max_s))


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a status (2xx: delivered) or an error with no answer."""

    delivery: Row[Any]
    at: datetime
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def fan_out(
    engine: AsyncEngine, subscription: Row[Any], *, cursor: int, now: datetime,
    limit: int = 1000,
) -> int:  # fmt: skip
    """Deliveries for the journal's events past ``cursor`` (the subscription's, as last
    read or returned here); the cursor after them. Another deliverer's fan-out meanwhile
    (its cursor moved): nothing is written, and its cursor is returned."""
    try:
        return await _fan_out(engine, subscription, cursor=cursor, now=now, limit=limit)
    except _Raced as raced:
        return raced.cursor


class _Raced(Exception):
    def __init__(self, cursor: int) -> None:
        self.cursor = cursor


async def _fan_out(
    engine: AsyncEngine, subscription: Row[Any], *, cursor: int, now: datetime, limit: int
) -> int:
    wanted = list(subscription.event_types)
    async with engine.begin() as conn:
        events = list(
            await conn.execute(
                select(JOURNAL.c.seq, JOURNAL.c.event_id, JOURNAL.c.type, JOURNAL.c.order_key)
                .where(JOURNAL.c.seq > cursor)
                .order_by(JOURNAL.c.seq)
                .limit(limit)
            )
        )
        if not events:
            return cursor
        taken = [e for e in events if "*" in wanted or e.type in wanted]
        waiting = await _keys_pending(conn, subscription.id, {e.order_key for e in taken})
        rows = []
        for e in taken:  # the first of its thing is ready, unless one is pending already
            rows.append({
                "subscription_id": subscription.id, "seq": e.seq, "event_id": e.event_id,
                "order_key": e.order_key, "state": "pending", "ready": e.order_key not in waiting,
                "attempts": 0, "next_attempt_at": now,
            })  # fmt: skip
            waiting.add(e.order_key)
        if rows:
            await conn.execute(insert(WebhookDelivery), rows)
        moved = await conn.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id, Subscription.cursor == cursor)
            .values(cursor=events[-1].seq)
        )
        if moved.rowcount != 1:
            now_at = await conn.scalar(
                select(Subscription.cursor).where(Subscription.id == subscription.id)
            )
            raise _Raced(int(now_at or 0))
        return int(events[-1].seq)


async def due(
    engine: AsyncEngine, subscription_id: int, *, now: datetime, limit: int
) -> list[Row[Any]]:
    """Ready deliveries (each the first pending of its thing) whose time has come."""
    query = (
        select(DELIVERIES, JOURNAL.c.type, JOURNAL.c.occurred_at, JOURNAL.c.data)
        .join(JOURNAL, JOURNAL.c.seq == DELIVERIES.c.seq)
        .where(
            DELIVERIES.c.subscription_id == subscription_id,
            DELIVERIES.c.ready.is_(True),
            DELIVERIES.c.next_attempt_at <= now,
        )
        .order_by(DELIVERIES.c.seq)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return list(await conn.execute(query))


async def _keys_pending(conn: AsyncConnection, subscription_id: int, keys: set[str]) -> set[str]:
    """Which of these things have a delivery pending for the subscription."""
    found: set[str] = set()
    ordered = sorted(keys)
    for chunk in (ordered[i : i + 500] for i in range(0, len(ordered), 500)):
        found.update(
            await conn.scalars(
                select(DELIVERIES.c.order_key)
                .distinct()
                .where(
                    DELIVERIES.c.subscription_id == subscription_id,
                    DELIVERIES.c.order_key.in_(chunk),
                    DELIVERIES.c.state == "pending",
                )
            )
        )
    return found


async def _ready_next(conn: AsyncConnection, subscription_id: int, keys: set[str]) -> None:
    """The next pending delivery of each thing whose last one was delivered or given up."""
    if not keys:
        return
    firsts = (
        select(DELIVERIES.c.order_key, func.min(DELIVERIES.c.seq))
        .where(
            DELIVERIES.c.subscription_id == subscription_id,
            DELIVERIES.c.order_key.in_(sorted(keys)),
            DELIVERIES.c.state == "pending",
        )
        .group_by(DELIVERIES.c.order_key)
    )
    await conn.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            tuple_(WebhookDelivery.order_key, WebhookDelivery.seq).in_(firsts),
        )
        .values(ready=True)
    )


async def record(engine: AsyncEngine, outcomes: Sequence[Outcome], policy: RetryPolicy) -> None:
    """Each attempt, and where its delivery stands now: a few statements for the batch,
    in one transaction."""
    if not outcomes:
        return
    changes = [_after(o, policy) for o in outcomes]
    async with engine.begin() as conn:
        await conn.execute(_UPDATE, changes)
        await conn.execute(insert(WebhookAttempt), [
            {
                "delivery_id": o.delivery.id, "subscription_id": o.delivery.subscription_id,
                "event_id": o.delivery.event_id, "attempt": c["b_attempts"], "at": o.at,
                "status": o.status, "error": o.error, "duration_ms": o.duration_ms,
            }
            for o, c in zip(outcomes, changes, strict=True)
        ])  # fmt: skip
        finished = {o.delivery.order_key for o, c in zip(outcomes, changes, strict=True)
                    if c["b_state"] != "pending"}  # fmt: skip
        await _ready_next(conn, outcomes[0].delivery.subscription_id, finished)


_UPDATE = (
    update(WebhookDelivery)
    .where(WebhookDelivery.id == bindparam("b_id"), WebhookDelivery.state == "pending")
    .values(
        {
            name: bindparam(f"b_{name}")
            for name in (
                "state", "ready", "attempts", "next_attempt_at", "first_attempt_at",
                "last_attempt_at", "last_status", "last_error", "done_at",
            )
        }
    )
)  # fmt: skip


def _after(o: Outcome, policy: RetryPolicy) -> dict[str, Any]:
    """Where a delivery stands after the attempt ``o``: delivered, due again later, or dead."""
    d = o.delivery
    attempts, first = d.attempts + 1, d.first_attempt_at or o.at
    state, retry_at = "pending", d.next_attempt_at
    if o.ok:
        state = "delivered"
    else:
        retry_at = o.at + policy.delay(attempts)
        if retry_at > first + timedelta(seconds=policy.for_s):
            state = "dead"
    done = state != "pending"
    return {
        "b_id": d.id, "b_state": state, "b_ready": not done, "b_attempts": attempts,
        "b_next_attempt_at": retry_at, "b_first_attempt_at": first, "b_last_attempt_at": o.at,
        "b_last_status": o.status, "b_last_error": o.error, "b_done_at": o.at if done else None,
    }  # fmt: skip


async def replay(
    engine: AsyncEngine, subscription_id: int, delivery_ids: Sequence[int] | None, *, now: datetime
) -> int:
    """Dead letters (all of the subscription's, or these) pending again, due now, with a
    new retry window; how many. Each is ready at once: it goes out of its message's order
    (after the later events that were delivered meanwhile)."""
    where = [WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.state == "dead"]
    if delivery_ids is not None:
        where.append(WebhookDelivery.id.in_(delivery_ids))
    async with engine.begin() as conn:
        done = await conn.execute(
            update(WebhookDelivery)
            .where(and_(*where))
            .values(
                state="pending",
                ready=True,
                next_attempt_at=now,
                first_attempt_at=None,
                done_at=None,
            )
        )
        return int(done.rowcount)


async def list_deliveries(
    engine: AsyncEngine, subscription_id: int, *, state: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    query = (
        select(DELIVERIES, JOURNAL.c.type)
        .join(JOURNAL, JOURNAL.c.seq == DELIVERIES.c.seq)
        .where(DELIVERIES.c.subscription_id == subscription_id, DELIVERIES.c.id > after)
        .order_by(DELIVERIES.c.id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(DELIVERIES.c.state == state)
    async with engine.connect() as conn:
        return [_delivery_json(r) for r in await conn.execute(query)]


async def list_attempts(
    engine: AsyncEngine, subscription_id: int, *, after: int, limit: int
) -> list[dict[str, Any]]:
    query = (
        select(ATTEMPTS)
        .where(ATTEMPTS.c.subscription_id == subscription_id, ATTEMPTS.c.id > after)
        .order_by(ATTEMPTS.c.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [
            {
                "id": r.id, "delivery_id": r.delivery_id, "event_id": r.event_id,
                "attempt": r.attempt, "at": r.at.isoformat(), "status": r.status,
                "error": r.error, "duration_ms": r.duration_ms,
            }
            for r in await conn.execute(query)
        ]  # fmt: skip


async def counts(engine: AsyncEngine, subscription_id: int) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(DELIVERIES.c.state, func.count())
            .where(DELIVERIES.c.subscription_id == subscription_id)
            .group_by(DELIVERIES.c.state)
        )
        found = {state: int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in STATES}


def _delivery_json(r: Any) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": r.id, "event_id": r.event_id, "type": r.type, "state": r.state,
        "attempts": r.attempts,
        "next_attempt_at": iso(r.next_attempt_at) if r.state == "pending" else None,
        "first_attempt_at": iso(r.first_attempt_at), "last_attempt_at": iso(r.last_attempt_at),
        "last_status": r.last_status, "last_error": r.last_error, "done_at": iso(r.done_at),
    }  # fmt: skip
