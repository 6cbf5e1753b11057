"""The one way a message's status changes: compare-and-set plus its event, atomically."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from dispatcher.contactlog.digests import change_digests
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
    detail = {**detail, **change_digests(changes)}  # sealed with the event
    params = {
        "m_id": message_id, "m_expect": [str(e) for e in expect], "m_to": str(to), "m_at": at,
        "e_source": str(source), "e_detail": detail,
        **{f"c_{key}": value for key, value in changes.items()},
    }  # fmt: skip
    postgres = conn.dialect.name == "postgresql"
    statement = _statement(tuple(sorted(changes)), log_event=log_event and postgres)
    if not log_event or postgres:
        return (await conn.execute(statement, params)).rowcount == 1
    if (await conn.execute(statement, params)).rowcount != 1:
        return False
    await record_event(conn, message_id, at=at, source=source, status=to, detail=detail)
    return True


@functools.lru_cache(maxsize=128)
def _statement(changed: tuple[str, ...], *, log_event: bool) -> Executable:
    """The move for one set of changed columns, with bind parameters, built once: building
    it per call cost more than the database's work (SQLAlchemy's cache key and coercion)."""
    moved = (
        update(Message)
        .where(Message.id == bindparam("m_id"), Message.status.in_(bindparam("m_expect")))
        .values(
            status=bindparam("m_to"),
            updated_at=bindparam("m_at"),
            **{key: bindparam(f"c_{key}") for key in changed},
        )
    )
    if not log_event:
        return moved
    # PostgreSQL: the update and its event in one statement (one round trip).
    moved_ids = moved.returning(Message.id).cte("moved")
    return insert(MessageEvent).from_select(
        ["message_id", "at", "source", "status", "detail"],
        select(
            moved_ids.c.id,
            bindparam("m_at", type_=UTCDateTime()),
            bindparam("e_source", type_=String()),
            bindparam("m_to", type_=String()),
            bindparam("e_detail", type_=JsonDocument),
        ),
    )


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
