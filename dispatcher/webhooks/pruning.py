"""Delivered events and deliveries pruned after ``WEBHOOK_KEEP_DELIVERED_DAYS``.

What goes, oldest first, in batches: a delivery that was delivered (a 2xx) that many days
ago, with its attempts; then a journal event projected that long ago once no delivery of
it is left — none pending, none dead and not replayed, none delivered more recently — and
every subscription, paused ones too, has fanned it out. A dead letter is never pruned:
only an admin's replay (and its delivery) lets it go. The changes feed reads the same
journal: a reader that pulls at least once in that many days misses nothing, and one
whose cursor is older than an event pruned is told so (``JOURNAL_PRUNED``, a 410).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.events.models import (
    JOURNAL_PRUNED,
    EventSource,
    OutboundEvent,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
)

__all__ = ["BATCH", "Pruned", "prune_delivered"]

BATCH = 5_000  # rows per transaction at most


@dataclass(frozen=True)
class Pruned:
    deliveries: int
    attempts: int
    events: int


async def prune_delivered(
    engine: AsyncEngine, *, now: datetime, keep: timedelta, batch: int = BATCH
) -> Pruned:
    cutoff = now - keep
    deliveries = attempts = events = 0
    while True:
        async with engine.begin() as conn:
            old = (
                select(WebhookDelivery.id)
                .where(WebhookDelivery.state == "delivered", WebhookDelivery.done_at < cutoff)
                .order_by(WebhookDelivery.id)
                .limit(batch)
            )
            ids = list(await conn.scalars(old))
            if ids:
                attempts += (
                    await conn.execute(
                        delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
                    )
                ).rowcount
                deliveries += (
                    await conn.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
                ).rowcount
        if len(ids) < batch:
            break
    fanned_out = func.coalesce(
        select(func.min(Subscription.cursor)).scalar_subquery(), OutboundEvent.seq
    )
    owed = exists().where(WebhookDelivery.seq == OutboundEvent.seq)
    # The newest event stays: SQLite numbers a row max(seq) + 1, and a journal pruned
    # empty would hand out seqs again that cursors (feed readers', fan-out's) have passed.
    newest = select(func.max(OutboundEvent.seq)).scalar_subquery()
    while True:
        async with engine.begin() as conn:
            prunable = (
                select(OutboundEvent.seq)
                .where(
                    OutboundEvent.projected_at < cutoff,
                    OutboundEvent.seq <= fanned_out,
                    OutboundEvent.seq < newest,
                    ~owed,
                )
                .order_by(OutboundEvent.seq)
                .limit(batch)
            )
            seqs = list(await conn.scalars(prunable))
            if seqs:
                events += (
                    await conn.execute(delete(OutboundEvent).where(OutboundEvent.seq.in_(seqs)))
                ).rowcount
                await _pruned_up_to(conn, max(seqs))
        if len(seqs) < batch:
            break
    return Pruned(deliveries, attempts, events)


async def _pruned_up_to(conn: AsyncConnection, seq: int) -> None:
    """Keep the highest seq pruned (an event kept for a dead letter may go after later ones)."""
    where = EventSource.name == JOURNAL_PRUNED
    known = await conn.scalar(select(EventSource.high).where(where).with_for_update())
    if known is None:
        await conn.execute(insert(EventSource).values(name=JOURNAL_PRUNED, high=seq, pending=[]))
    elif seq > known:
        await conn.execute(update(EventSource).where(where).values(high=seq))
