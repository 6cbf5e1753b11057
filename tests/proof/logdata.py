"""A contact log filled fast: messages with their events, written as the store writes them
(status on the row = the status of its last event). For the proof's tests and benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Message, MessageEvent

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATUSES = ("queued", "sending", "sent")


def message_row(n: int, at: datetime) -> dict[str, Any]:
    return {
        "id": f"M{n:025d}", "idempotency_key": f"key-{n}", "debtor_ref": f"D-{n % 997}",
        "account_ref": f"A-{n}", "channel": "sms", "template_name": "overdue_reminder",
        "template_version": "v1", "locale": "zh-CN", "variables": {"amount": "3250.00"},
        "destination": "+8613800138000", "content": f"提醒 {n}", "segments": 1,
        "requested_by": "strategy", "created_at": at, "scheduled_for": at, "valid_until": at,
        "updated_at": at, "status": STATUSES[-1], "attempts": 1,
    }  # fmt: skip


def event_rows(n: int, at: datetime) -> list[dict[str, Any]]:
    return [
        {"message_id": f"M{n:025d}", "at": at + timedelta(milliseconds=i), "source": "worker",
         "status": status, "detail": {"step": i, "note": "模板"}}
        for i, status in enumerate(STATUSES)
    ]  # fmt: skip


async def add_messages(
    engine: AsyncEngine, count: int, *, first: int = 0, start: datetime = START,
    batch: int = 2000,
) -> None:  # fmt: skip
    """``count`` messages, three events each, one second apart from ``start``."""
    for offset in range(first, first + count, batch):
        numbers = range(offset, min(offset + batch, first + count))
        ats = {n: start + timedelta(seconds=n) for n in numbers}
        async with engine.begin() as conn:
            await conn.execute(insert(Message), [message_row(n, ats[n]) for n in numbers])
            await conn.execute(
                insert(MessageEvent), [e for n in numbers for e in event_rows(n, ats[n])]
            )
