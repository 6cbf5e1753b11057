"""Cancelling messages that have not gone out, race-safe against the workers.

A cancel is a compare-and-set from queued or deferred to ``cancelled``, exactly like a
worker's claim (queued or deferred to ``sending``): whichever commits first wins and the
other finds the message moved on, so exactly one of cancel and send happens, and the
answer says which. A debtor's cancel runs under the debtor's lock (the one a worker holds
from its verdict to its claim) and can set a hold in the same transaction, so that
nothing already decided and nothing enqueued later goes out for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from dispatcher.contactlog.holds import add_hold
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.contactlog.session import debtor_session
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, EventSource, MessageStatus

__all__ = ["Cancelled", "cancel_message", "cancel_pending"]


@dataclass(frozen=True)
class Cancelled:
    """What a cancel came to: the messages it stopped, and those that were already beyond
    reach (handed to a provider, or settled) when it ran."""

    cancelled: list[str]
    too_late: dict[str, str]  # message id -> its status when the cancel ran
    hold_set: bool = False


async def cancel_message(log: ContactLog, message_id: str, *, by: str, reason: str) -> Cancelled:
    """Cancel one message if it has not been claimed for sending; raises UnknownMessage."""
    moved = await log.transition(
        message_id, expect=PENDING, to=MessageStatus.CANCELLED, source=EventSource.API,
        detail={"cancelled_by": by, "reason": reason},
    )  # fmt: skip
    if moved:
        return Cancelled([message_id], {})
    return Cancelled([], {message_id: (await log.get(message_id)).status})


async def cancel_pending(
    log: ContactLog,
    *,
    by: str,
    reason: str,
    debtor_ref: str | None = None,
    account_ref: str | None = None,
    campaign: str | None = None,
    hold: str | None = None,
) -> Cancelled:
    """Cancel every pending message of one debtor, account or campaign (exactly one is
    given). ``hold``: a hold kind set on the debtor in the same transaction."""
    if sum(x is not None for x in (debtor_ref, account_ref, campaign)) != 1:
        raise ValueError("cancel by exactly one of debtor_ref, account_ref, campaign")
    if hold is not None and debtor_ref is None:
        raise ValueError("a hold is set on a debtor: give debtor_ref")
    which: ColumnElement[bool]
    if debtor_ref is not None:
        which = Message.debtor_ref == debtor_ref
    elif account_ref is not None:
        which = Message.account_ref == account_ref
    else:
        which = Message.requested_by.endswith(f"#{campaign}", autoescape=True)
    now = log.clock.now()
    detail = {"cancelled_by": by, "reason": reason}
    if debtor_ref is None:
        async with log.engine.begin() as conn:
            cancelled = await _cancel_where(conn, which, at=now, detail=detail)
            return Cancelled(cancelled, await _beyond_reach(conn, which))
    async with debtor_session(log.engine, debtor_ref) as session:
        hold_set = hold is not None and await add_hold(
            session.conn, kind=hold, debtor_ref=debtor_ref, destination=None, channel=None,
            set_by=by, source="api:cancel", reason=reason, at=now,
        )  # fmt: skip
        cancelled = await _cancel_where(session.conn, which, at=now, detail=detail)
        return Cancelled(cancelled, await _beyond_reach(session.conn, which), hold_set)


async def _cancel_where(
    conn: AsyncConnection, which: ColumnElement[bool], *, at: datetime, detail: dict[str, Any]
) -> list[str]:
    moved = await conn.execute(
        update(Message)
        .where(which, Message.status.in_(PENDING))
        .values(status=MessageStatus.CANCELLED, updated_at=at)
        .returning(Message.id)
    )
    ids = sorted(moved.scalars())
    if ids:
        await conn.execute(insert(MessageEvent), _events(ids, at, detail))
    return ids


def _events(ids: Sequence[str], at: datetime, detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"message_id": message_id, "at": at, "source": EventSource.API,
         "status": MessageStatus.CANCELLED, "detail": detail}
        for message_id in ids
    ]  # fmt: skip


async def _beyond_reach(conn: AsyncConnection, which: ColumnElement[bool]) -> dict[str, str]:
    """Messages in the middle of going out: what a cancel came too late for."""
    rows = await conn.execute(
        select(Message.id, Message.status).where(
            which, Message.status.in_([MessageStatus.SENDING, MessageStatus.UNKNOWN])
        )
    )
    return {message_id: status for message_id, status in rows}
