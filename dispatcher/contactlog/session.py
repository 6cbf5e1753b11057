"""A debtor's decision window: rules read the log and the winner claims the slot, atomically.

Deciding whether a message may go (caps counted from the log) and claiming it
(``queued → sending``) happen in one transaction holding a per-debtor lock: on
PostgreSQL a transaction-scoped advisory lock keyed by the debtor; on SQLite the
database-wide write lock that ``BEGIN IMMEDIATE`` takes. So with many workers on many
machines racing for a debtor's last slot, exactly one gets it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from compliance import AttemptCount, AttemptFact, HoldFact
from dispatcher.contactlog.collectors import read_collectors
from dispatcher.contactlog.holds import active_holds
from dispatcher.contactlog.models import Collector, Debtor, Message
from dispatcher.contactlog.transitions import move
from dispatcher.domain import ChannelKind, ContactResult, Disposition, EventSource, MessageStatus

__all__ = ["COUNTED", "IN_FLIGHT", "DebtorSession", "counted", "debtor_session"]

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
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
    ) -> AttemptCount:
        """One indexed query (debtor, channel, attempted_at) per cap; see ``counted``."""
        query = select(func.count(), func.min(Message.attempted_at)).where(
            *_attempts(debtor_ref, counts, since, account_ref, destination)
        )
        count, oldest = (await self.conn.execute(query)).one()
        if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() loses the type
            oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=since.tzinfo)
        elif isinstance(oldest, str):
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=since.tzinfo)
        return AttemptCount(int(count), oldest)

    async def latest_attempt(
        self,
        *,
        debtor_ref: str,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
    ) -> AttemptFact | None:
        query = (
            select(Message.attempted_at, Message.result)
            .where(*_attempts(debtor_ref, counts, since, account_ref, destination))
            .order_by(Message.attempted_at.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return AttemptFact(row.attempted_at, row.result) if row else None

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


# What each counted event kind (the packs' words) is in the log. A call's result decides:
# "call.answered" is any call a person picked up, conversations included.
_CALL_RESULTS: dict[str, tuple[ContactResult, ...]] = {
    "call.answered": (ContactResult.ANSWERED, ContactResult.CONVERSATION),
    "call.conversation": (ContactResult.CONVERSATION,),
    "call.voicemail": (ContactResult.VOICEMAIL,),
    "call.unanswered": (ContactResult.UNANSWERED,),
    "call.busy": (ContactResult.BUSY,),
    "call.unconnected": (ContactResult.UNCONNECTED,),
    "call.failed": (),  # never placed: never counted, whatever a pack says
    # An automated voice reminder (no collector) a person listened to: cn counts it as an
    # effective conversation ("automated voice included"); Reg F's word is call.answered.
    "call.robot_answered": (),
}
# Texts and emails count once handed over, whatever became of them after.
_SENT_CHANNELS = {"sms.sent": ChannelKind.SMS, "email.sent": "email"}
# A call claimed or placed whose result is not known yet: it holds its slot in every call
# cap until the result says whether it counts.
IN_FLIGHT = (MessageStatus.SENDING, MessageStatus.SENT)


@functools.lru_cache(maxsize=256)
def counted(kinds: frozenset[str]) -> tuple[tuple[str, ...], ColumnElement[bool]]:
    """The channels and the condition that select the attempts ``kinds`` count.

    Built once per set of kinds (a pack's cap): building the expression costs more than
    running the indexed query.

    Never counted: a call whose result is failed (never placed), and any attempt whose
    disposition says it reached a wrong number — it stops counting toward the debtor.
    An unknown kind raises ``ValueError``: a typo must not quietly count nothing.
    """
    unknown = kinds - set(_CALL_RESULTS) - set(_SENT_CHANNELS)
    if unknown:
        raise ValueError(f"unknown counted event kinds: {', '.join(sorted(unknown))}")
    channels: list[str] = []
    either: list[ColumnElement[bool]] = []
    results = sorted({r.value for k in kinds for r in _CALL_RESULTS.get(k, ())})
    robot = "call.robot_answered" in kinds
    if results or robot:
        channels.append(ChannelKind.VOICE)
        matching: list[ColumnElement[bool]] = [Message.result.in_(results)] if results else []
        if robot:
            matching.append(
                and_(Message.result == ContactResult.ANSWERED, Message.collector_id.is_(None))
            )
        either.append(
            and_(
                Message.channel == ChannelKind.VOICE,
                or_(*matching, and_(Message.result.is_(None), Message.status.in_(IN_FLIGHT))),
            )
        )
    for kind in sorted(kinds & set(_SENT_CHANNELS)):
        channel = str(_SENT_CHANNELS[kind])
        channels.append(channel)
        either.append(and_(Message.channel == channel, Message.status.in_(COUNTED)))
    if not either:
        return (), false()
    wrong_number = func.coalesce(Message.disposition["kind"].as_string(), "")
    return tuple(sorted(channels)), and_(
        or_(*either),
        func.coalesce(Message.result, "") != ContactResult.FAILED,
        wrong_number != Disposition.WRONG_NUMBER,
    )


def _attempts(
    debtor_ref: str,
    kinds: frozenset[str],
    since: datetime,
    account_ref: str | None,
    destination: str | None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for a debtor's counted attempts; ix_messages_debtor_channel_attempted."""
    channels, condition = counted(kinds)
    where = [
        Message.debtor_ref == debtor_ref,
        Message.channel.in_(channels),
        Message.attempted_at >= since,
        condition,
    ]
    if account_ref is not None:
        where.append(Message.account_ref == account_ref)
    if destination is not None:
        where.append(Message.destination == destination)
    return where


def _lock_key(debtor_ref: str) -> int:
    digest = hashlib.blake2b(debtor_ref.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
