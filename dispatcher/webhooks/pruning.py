"""Delivered events and deliveries pruned after ``WEBHOOK_KEEP_DELIVERED_DAYS``.

What goes, oldest first, in batches: a delivery that was delivered (a 2xx) that many days
ago, with its attempts; then a journal event projected that long ago once no delivery of
it is left — none pending, none dead and not replayed, none delivered more recently — and
every subscription, paused ones too, has fanned it out. A dead letter is never pruned:
only an admin's replay (and its delivery) lets it go. The changes feed reads the same
journal: a reader that pulls at least once in that many days misses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.events.models import OutboundEvent, Subscription, WebhookAttempt, WebhookDelivery

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
    while True:
        async with engine.begin() as conn:
            prunable = (
                select(OutboundEvent.seq)
                .where(OutboundEvent.projected_at < cutoff, OutboundEvent.seq <= fanned_out, ~owed)
                .order_by(OutboundEvent.seq)
                .limit(batch)
            )
            seqs = list(await conn.scalars(prunable))
            if seqs:
                events += (
                    await conn.execute(delete(OutboundEvent).where(OutboundEvent.seq.in_(seqs)))
                ).rowcount
        if len(seqs) < batch:
            break
    return Pruned(deliveries, attempts, events)
