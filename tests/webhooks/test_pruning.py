"""Delivered events and deliveries pruned by age — never a pending delivery, a dead letter,
a recent delivery, or an event a subscription (a paused one too) has not fanned out yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.events.models import OutboundEvent, Subscription, WebhookAttempt, WebhookDelivery
from dispatcher.webhooks.pruning import prune_delivered

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=5)
KEEP = timedelta(days=30)


def subscription(name: str, *, cursor: int, active: bool) -> dict[str, Any]:
    return {
        "name": name, "url": f"https://{name}.example/hook", "event_types": ["*"],
        "role": "admin", "secrets": [], "active": active, "created_at": OLD,
        "created_by": "test", "updated_at": OLD, "cursor": cursor,
    }  # fmt: skip


def delivery(sub: int, seq: int, state: str, done_at: datetime | None) -> dict[str, Any]:
    return {
        "subscription_id": sub, "seq": seq, "event_id": f"evt_{seq}", "order_key": f"m:{seq}",
        "state": state, "ready": state == "pending", "attempts": 1, "next_attempt_at": OLD,
        "done_at": done_at,
    }  # fmt: skip


async def given_a_journal(engine: AsyncEngine) -> None:
    """Events 1-5 projected 40 days ago, 6 five days ago. Subscription 1 has fanned out
    every one; subscription 2 (paused) only up to 4."""
    async with engine.begin() as conn:
        await conn.execute(insert(OutboundEvent), [
            {"seq": seq, "event_id": f"evt_{seq}", "type": "message.sent", "order_key": f"m:{seq}",
             "occurred_at": at, "projected_at": at, "data": {"debtor_ref": "D-1"}}
            for seq, at in ((1, OLD), (2, OLD), (3, OLD), (4, OLD), (5, OLD), (6, RECENT))
        ])  # fmt: skip
        await conn.execute(insert(Subscription), [
            {"id": 1, **subscription("crm", cursor=6, active=True)},
            {"id": 2, **subscription("strategy", cursor=4, active=False)},
        ])  # fmt: skip
        await conn.execute(insert(WebhookDelivery), [
            {"id": 1, **delivery(1, 1, "delivered", OLD)},  # long delivered: goes
            {"id": 2, **delivery(2, 1, "delivered", OLD)},  # long delivered: goes
            {"id": 3, **delivery(1, 2, "dead", OLD)},  # a dead letter: stays
            {"id": 4, **delivery(1, 3, "pending", None)},  # still owed: stays
            {"id": 5, **delivery(1, 5, "delivered", RECENT)},  # delivered lately: stays
            {"id": 6, **delivery(1, 6, "delivered", OLD)},  # goes (its event is recent)
        ])  # fmt: skip
        await conn.execute(insert(WebhookAttempt), [
            {"delivery_id": d, "subscription_id": 1, "event_id": "evt", "attempt": 1, "at": OLD,
             "status": 200 if d != 3 else 500, "error": None, "duration_ms": 3}
            for d in (1, 3, 5)
        ])  # fmt: skip


async def test_only_what_was_delivered_long_ago_and_is_owed_to_no_one_goes(
    engine: AsyncEngine,
) -> None:
    # Given a journal, its deliveries in every state and their attempts
    await given_a_journal(engine)
    # When the deliverer prunes what is older than 30 days, in batches of 2
    pruned = await prune_delivered(engine, now=NOW, keep=KEEP, batch=2)
    # Then the long-delivered deliveries and their attempts went, and of the events only
    # 1 (delivered to both, long ago) and 4 (owed to no one, fanned out by both)
    async with engine.connect() as conn:
        events = list(await conn.scalars(select(OutboundEvent.seq).order_by(OutboundEvent.seq)))
        deliveries = list(
            await conn.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id))
        )
        attempts = list(
            await conn.scalars(select(WebhookAttempt.delivery_id).order_by(WebhookAttempt.id))
        )
    assert (pruned.deliveries, pruned.attempts, pruned.events) == (3, 1, 2)
    assert events == [2, 3, 5, 6]
    assert deliveries == [3, 4, 5]
    assert attempts == [3, 5]
    # And again: nothing more goes
    assert await prune_delivered(engine, now=NOW, keep=KEEP) == type(pruned)(0, 0, 0)


async def test_with_no_subscription_the_journal_is_kept_for_the_feed_by_age(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(OutboundEvent), [
            {"seq": seq, "event_id": f"evt_{seq}", "type": "hold.set", "order_key": f"h:{seq}",
             "occurred_at": at, "projected_at": at, "data": {}}
            for seq, at in ((1, OLD), (2, RECENT))
        ])  # fmt: skip
    pruned = await prune_delivered(engine, now=NOW, keep=KEEP)
    async with engine.connect() as conn:
        assert list(await conn.scalars(select(OutboundEvent.seq))) == [2]
    assert pruned.events == 1
