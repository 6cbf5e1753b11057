"""A collector's calls as the contact log holds them, and follow-ups written with an outcome.

    calls = await collector_calls(log, "c-17", window="due", limit=50)

``due``: pending calls (queued or deferred) whose time has come, oldest first — what the
collector's desk tool should dial next. ``upcoming``: pending calls scheduled later,
soonest first. Pages are keyset pages: pass the last row's ``(scheduled_for, id)`` as
``after``.

``insert_follow_ups`` writes new queued messages (a promise's reminder, a requested
callback) on a connection the caller already holds, so that an outcome and what it
schedules commit together or not at all. Idempotency keys make a repeat a no-op.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.contactlog.store import Accepted, ContactLog
from dispatcher.domain import PENDING, ChannelKind, EventSource, MessageStatus

__all__ = ["CallWindow", "collector_calls", "insert_follow_ups"]


class CallWindow(enum.StrEnum):
    DUE = "due"  # pending, and its time has come
    UPCOMING = "upcoming"  # pending, scheduled later


async def collector_calls(
    log: ContactLog,
    collector_id: str,
    *,
    window: CallWindow,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[Message]:
    """The collector's pending calls in ``window``, ordered by time, at most ``limit``."""
    now = log.clock.now()
    timing = (
        Message.scheduled_for <= now if window is CallWindow.DUE else Message.scheduled_for > now
    )
    statement = select(Message.__table__).where(
        Message.collector_id == collector_id,
        Message.channel == ChannelKind.VOICE,
        Message.status.in_(sorted(PENDING)),
        timing,
    )
    if after is not None:
        at, message_id = after
        statement = statement.where(
            or_(
                Message.scheduled_for > at,
                and_(Message.scheduled_for == at, Message.id > message_id),
            )
        )
    statement = statement.order_by(Message.scheduled_for, Message.id).limit(limit)
    async with log.engine.connect() as conn:
        rows = await conn.execute(statement)
        return [Message(**row._asdict()) for row in rows]


async def insert_follow_ups(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]], *, at: datetime, detail: dict[str, Any]
) -> list[Accepted]:
    """Insert validated rows (``requests.validate_batch``) unless their key exists already."""
    if not rows:
        return []
    make_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        make_insert(Message)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Message.id)
    )
    inserted = set((await conn.execute(statement, list(rows))).scalars())
    events = [
        {
            "message_id": row["id"],
            "at": at,
            "source": EventSource.API,
            "status": MessageStatus.QUEUED,
            "detail": {"requested_by": row["requested_by"], **detail},
        }
        for row in rows
        if row["id"] in inserted
    ]
    if events:
        await conn.execute(insert(MessageEvent), events)
    answers = []
    for row in rows:
        if row["id"] in inserted:
            answers.append(
                Accepted(
                    row["id"],
                    row["idempotency_key"],
                    True,
                    MessageStatus.QUEUED,
                    row["scheduled_for"],
                )
            )
            continue
        found = (
            await conn.execute(
                select(Message.id, Message.status, Message.scheduled_for).where(
                    Message.idempotency_key == row["idempotency_key"]
                )
            )
        ).one()
        answers.append(
            Accepted(found.id, row["idempotency_key"], False, MessageStatus(found.status),
                     found.scheduled_for)
        )  # fmt: skip
    return answers
