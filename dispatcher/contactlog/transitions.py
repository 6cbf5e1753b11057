"""The one way a message's status changes: compare-and-set plus its event, atomically."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import JsonDocument, Message, MessageEvent, UTCDateTime
from dispatcher.domain import EventSource, MessageStatus

__all__ = ["move", "record_event"]


async def move(
    conn: AsyncConnection,
    message_id: str,
    *,
    expect: Iterable[MessageStatus],
    to: MessageStatus,
    source: EventSource,
    detail: dict[str, Any],
    at: datetime,
    changes: dict[str, Any],
    log_event: bool = True,
) -> bool:
    """Move a message to ``to`` if it is still in one of ``expect``, and log the event.

    Returns False, and writes nothing, when the message has moved on meanwhile. On
    PostgreSQL the update and the event are one statement (one round trip).
    ``log_event=False`` only for a repeat of the last event (the same rule deferring again).
    """
    moved = (
        update(Message)
        .where(Message.id == message_id, Message.status.in_(list(expect)))
        .values(status=to, updated_at=at, **changes)
    )
    if not log_event:
        return (await conn.execute(moved)).rowcount == 1
    if conn.dialect.name != "postgresql":
        if (await conn.execute(moved)).rowcount != 1:
            return False
        await record_event(conn, message_id, at=at, source=source, status=to, detail=detail)
        return True
    moved_ids = moved.returning(Message.id).cte("moved")
    event = insert(MessageEvent).from_select(
        ["message_id", "at", "source", "status", "detail"],
        select(
            moved_ids.c.id,
            literal(at, UTCDateTime()),
            literal(str(source)),
            literal(str(to)),
            literal(detail, JsonDocument),
        ),
    )
    return (await conn.execute(event)).rowcount == 1


async def record_event(
    conn: AsyncConnection,
    message_id: str,
    *,
    at: datetime,
    source: EventSource,
    status: MessageStatus,
    detail: dict[str, Any],
) -> None:
    await conn.execute(
        insert(MessageEvent).values(
            message_id=message_id, at=at, source=source, status=status, detail=detail
        )
    )
