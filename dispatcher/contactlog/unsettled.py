"""The contact log's reads and quiet writes for the sweep: sends to settle, deliveries to ask.

Each read selects on ``(status, scheduled_for)`` or ``status`` and a time, both indexed,
so a sweep costs the same on a log of ten million rows as on ten thousand.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.sql.elements import ColumnElement

from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import UNSETTLED, ChannelKind, MessageStatus

__all__ = [
    "due_for_lookup",
    "recorded_provider_ids",
    "reschedule",
    "sent_awaiting_delivery",
    "unsettled_twins",
]


async def due_for_lookup(
    log: ContactLog, *, sending_before: datetime, now: datetime, attempted_after: datetime,
    limit: int,
) -> list[str]:  # fmt: skip
    """Sends to settle: ``sending`` claimed before ``sending_before`` (its worker died), and
    ``unknown`` ones whose next lookup (``scheduled_for``) is due, attempted since
    ``attempted_after`` (older ones are left as they are: unknown)."""
    async with log.engine.connect() as conn:
        stuck = await conn.execute(
            select(Message.id)
            .where(Message.status == MessageStatus.SENDING, Message.updated_at <= sending_before)
            .limit(limit)
        )
        unknown = await conn.execute(
            select(Message.id)
            .where(
                Message.status == MessageStatus.UNKNOWN,
                Message.scheduled_for <= now,
                Message.attempted_at >= attempted_after,
            )
            .order_by(Message.scheduled_for)
            .limit(limit)
        )
        return [*stuck.scalars(), *unknown.scalars()]


async def recorded_provider_ids(log: ContactLog, provider: str, ids: Collection[str]) -> set[str]:
    """Which of the provider's ``ids`` are already recorded on one of our messages."""
    if not ids:
        return set()
    async with log.engine.connect() as conn:
        rows = await conn.execute(
            select(Message.provider_message_id).where(
                Message.provider_message_id.in_(list(ids)), Message.provider == provider
            )
        )
        return {found for found in rows.scalars() if found is not None}


async def unsettled_twins(log: ContactLog, message: Message) -> list[str]:
    """Our other messages whose send is not settled and that a provider record matching
    this one's could equally be: for a text, the same content to the same number (for any
    debtor); for a call, the same first leg (the same collector, or for an automated call
    the same number)."""
    if message.channel == ChannelKind.VOICE:
        same: ColumnElement[bool] = (
            Message.collector_id == message.collector_id
            if message.collector_id
            else and_(Message.destination == message.destination, Message.collector_id.is_(None))
        )
    else:
        same = and_(
            Message.destination == message.destination, Message.content == message.content
        )
    async with log.engine.connect() as conn:
        rows = await conn.execute(
            select(Message.id).where(
                Message.status.in_(UNSETTLED),
                Message.channel == message.channel,
                same,
                Message.id != message.id,
            )
        )
        return list(rows.scalars())


async def sent_awaiting_delivery(
    log: ContactLog, *, providers: Collection[str], checked_before: datetime,
    attempted_after: datetime, limit: int,
) -> list[Message]:  # fmt: skip
    """Texts still ``sent`` by one of ``providers`` with no news since ``checked_before``
    (neither moved nor checked: a check moves ``scheduled_for``), handed over since
    ``attempted_after``."""
    if not providers:
        return []
    async with log.engine.connect() as conn:
        rows = await conn.execute(
            select(Message.__table__)
            .where(
                Message.status == MessageStatus.SENT,
                Message.scheduled_for <= checked_before,
                Message.updated_at <= checked_before,
                Message.attempted_at >= attempted_after,
                Message.channel == ChannelKind.SMS,
                Message.provider.in_(list(providers)),
                Message.provider_message_id.is_not(None),
            )
            .order_by(Message.scheduled_for)
            .limit(limit)
        )
        return [Message(**row._asdict()) for row in rows]


async def reschedule(
    log: ContactLog, message_id: str, *, status: MessageStatus, at: datetime
) -> None:
    """Move the time of a message's next sweep check, if its status is still ``status``.
    No event: nothing happened to the message, only the sweep's plan changed."""
    async with log.engine.begin() as conn:
        await conn.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == status)
            .values(scheduled_for=at)
        )
