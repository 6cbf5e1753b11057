"""A debtor's decision window: rules read the log and the winner claims the slot, atomically.

Deciding whether a message may go (caps counted from the log) and claiming it
(``queued → sending``) happen in one transaction holding a per-debtor lock: on
PostgreSQL a transaction-scoped advisory lock keyed by the debtor; on SQLite the
database-wide write lock that ``BEGIN IMMEDIATE`` takes. So with many workers on many
machines racing for a debtor's last slot, exactly one gets it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from compliance import AttemptCount, HoldFact
from dispatcher.contactlog.collectors import read_collectors
from dispatcher.contactlog.holds import active_holds
from dispatcher.contactlog.models import Collector, Debtor, Message
from dispatcher.contactlog.transitions import move
from dispatcher.domain import EventSource, MessageStatus

__all__ = ["COUNTED", "DebtorSession", "debtor_session"]

# Statuses that mean a contact was attempted: they count toward frequency caps. A message
# the provider refused (failed) or a rule stopped never reached the debtor and does not.
COUNTED = (
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
)


@asynccontextmanager
async def debtor_session(engine: AsyncEngine, debtor_ref: str) -> AsyncIterator[DebtorSession]:
    debtors = Debtor.__table__
    query = select(debtors).where(debtors.c.debtor_ref == debtor_ref)
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Take the lock and read the debtor's record in one round trip.
            lock = select(func.pg_advisory_xact_lock(_lock_key(debtor_ref)).label("held"))
            query = select(debtors).select_from(
                lock.subquery().outerjoin(debtors, debtors.c.debtor_ref == debtor_ref)
            )
        row = (await conn.execute(query)).first()
        debtor = Debtor(**row._asdict()) if row and row.debtor_ref else None
        yield DebtorSession(conn, debtor)


class DebtorSession:
    """The contact log as the rules see it (``compliance.ContactFacts``), plus the claim."""

    def __init__(self, conn: AsyncConnection, debtor: Debtor | None) -> None:
        self.conn = conn
        self.debtor = debtor  # the debtor's record, read under the lock (None: not on record)

    async def message(self, message_id: str) -> Message | None:
        row = (
            await self.conn.execute(select(Message.__table__).where(Message.id == message_id))
        ).first()
        return Message(**row._asdict()) if row else None

    async def collectors(self, ids: Iterable[str]) -> dict[str, Collector]:
        return await read_collectors(self.conn, ids)

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]:
        return await active_holds(
            self.conn, debtor_ref=debtor_ref, destination=destination, channel=channel
        )

    async def count_attempts(
        self,
        *,
        debtor_ref: str,
        channels: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
    ) -> AttemptCount:
        query = select(func.count(), func.min(Message.attempted_at)).where(
            Message.debtor_ref == debtor_ref,
            Message.channel.in_(sorted(channels)),
            Message.attempted_at >= since,
            Message.status.in_(COUNTED),
        )
        if account_ref is not None:
            query = query.where(Message.account_ref == account_ref)
        if destination is not None:
            query = query.where(Message.destination == destination)
        count, oldest = (await self.conn.execute(query)).one()
        if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() loses the type
            oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=since.tzinfo)
        elif isinstance(oldest, str):
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=since.tzinfo)
        return AttemptCount(int(count), oldest)

    async def move(
        self,
        message_id: str,
        *,
        expect: Iterable[MessageStatus],
        to: MessageStatus,
        detail: dict[str, Any],
        at: datetime,
        log_event: bool = True,
        **changes: Any,
    ) -> bool:
        return await move(
            self.conn, message_id, expect=expect, to=to, source=EventSource.WORKER,
            detail=detail, at=at, changes=changes, log_event=log_event,
        )  # fmt: skip


def _lock_key(debtor_ref: str) -> int:
    digest = hashlib.blake2b(debtor_ref.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
