"""A collector's calls as the contact log holds them.

    calls = await collector_calls(log, "c-17", window="due", limit=50)

``due``: pending calls (queued or deferred) whose time has come, oldest first — what the
collector's desk tool should dial next. ``upcoming``: pending calls scheduled later,
soonest first. Pages are keyset pages: pass the last row's ``(scheduled_for, id)`` as
``after``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import and_, or_, select

from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, ChannelKind

__all__ = ["CallWindow", "collector_calls"]


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
