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

from sqlalchemy import BigInteger, String, and_, bindparam, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import LateralFromClause, Select

from compliance import AttemptCount, AttemptFact, HoldFact
from compliance.rules.risk_flags import RiskFlagFact
from dispatcher.contactlog.collectors import read_collectors
from dispatcher.contactlog.holds import active_holds, holds_around, pick_holds
from dispatcher.contactlog.models import Collector, Debtor, Message, UTCDateTime
from dispatcher.contactlog.transitions import move
from dispatcher.domain import ChannelKind, ContactResult, Disposition, EventSource, MessageStatus
from dispatcher.pauses.state import still_paused
from dispatcher.risk_flags.read import active_flags

__all__ = [
    "COUNTED",
    "IN_FLIGHT",
    "DebtorSession",
    "counted",
    "debtor_lock_key",
    "debtor_session",
    "window_statements",
]

# Statuses that mean a contact was attempted: they count toward frequency caps. A message
# the provider refused (failed) or a rule stopped never reached the debtor and does not.
COUNTED = (
    MessageStatus.SENDING,
    MessageStatus.UNKNOWN,  # it may have reached the debtor: counted until settled
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
)


@asynccontextmanager
async def debtor_session(
    engine: AsyncEngine, debtor_ref: str, *, message_id: str | None = None
) -> AsyncIterator[DebtorSession]:
    """The debtor's transaction, its lock held. ``message_id``: the message to be decided;
    on PostgreSQL it is read (and its row locked) with the lock, as are the holds on it."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            session = await _open_window(conn, debtor_ref, message_id)
        else:  # BEGIN IMMEDIATE (see database.py) already holds SQLite's write lock
            debtors = Debtor.__table__
            query = select(debtors).where(debtors.c.debtor_ref == debtor_ref)
            row = (await conn.execute(query)).first()
            session = DebtorSession(conn, Debtor(**row._asdict()) if row else None)
        yield session


class DebtorSession:
    """The contact log as the rules see it (``compliance.ContactFacts``), plus the claim."""

    def __init__(
        self,
        conn: AsyncConnection,
        debtor: Debtor | None,
        *,
        message: Message | None = None,
        holds: tuple[str, str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.conn = conn
        self.debtor = debtor  # the debtor's record, read under the lock (None: not on record)
        # Read with the lock (PostgreSQL): the message, until first asked for, and the active
        # holds of (debtor_ref, destination) on every channel.
        self._message = message
        self._holds = holds

    async def message(self, message_id: str) -> Message | None:
        if self._message is not None and self._message.id == message_id:
            found, self._message = self._message, None  # answers once: we may move it next
            return found
        row = (
            await self.conn.execute(select(Message.__table__).where(Message.id == message_id))
        ).first()
        return Message(**row._asdict()) if row else None

    async def collectors(self, ids: Iterable[str]) -> dict[str, Collector]:
        return await read_collectors(self.conn, ids)

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]:
        if self._holds is not None and self._holds[:2] == (debtor_ref, destination):
            rows = self._holds[2]
            return pick_holds(rows, debtor_ref=debtor_ref, destination=destination, channel=channel)
        return await active_holds(
            self.conn, debtor_ref=debtor_ref, destination=destination, channel=channel
        )

    async def risk_flags(self, *, debtor_ref: str) -> list[RiskFlagFact]:
        """The debtor's risk flags as they stand (``compliance.rules.risk_flags``)."""
        return await active_flags(self.conn, debtor_ref)

    async def count_attempts(
        self,
        *,
        debtor_ref: str,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
        destinations: tuple[str, ...] | None = None,
        excluding: tuple[str, ...] = (),
    ) -> AttemptCount:
        """One indexed query (debtor, channel, attempted_at) per cap; see ``counted``.
        ``destinations`` / ``excluding``: only attempts to these numbers / to none of these."""
        query, params = _attempts_query(
            "count", counts, account_ref=account_ref, destination=destination,
            destinations=destinations, excluding=excluding,
        )  # fmt: skip
        params |= {"debtor_ref": debtor_ref, "since": since}
        count, oldest = (await self.conn.execute(query, params)).one()
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
        query, params = _attempts_query(
            "latest", counts, account_ref=account_ref, destination=destination
        )
        params |= {"debtor_ref": debtor_ref, "since": since}
        row = (await self.conn.execute(query, params)).first()
        return AttemptFact(row.attempted_at, row.result) if row else None

    async def pause_in_force(self, pause_id: int) -> bool:
        """Whether a deferred message may be parked under the pause (``still_paused``)."""
        return await still_paused(self.conn, pause_id)

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
IN_FLIGHT = (MessageStatus.SENDING, MessageStatus.UNKNOWN, MessageStatus.SENT)


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


def _attempts_query(
    shape: str,
    kinds: frozenset[str],
    *,
    account_ref: str | None,
    destination: str | None,
    destinations: tuple[str, ...] | None = None,
    excluding: tuple[str, ...] = (),
) -> tuple[Select[Any, Any], dict[str, Any]]:
    """A debtor's counted attempts (ix_messages_debtor_channel_attempted), as a statement
    built once per shape and its parameters. Binds ``debtor_ref`` and ``since`` to fill.
    ``destinations``: only attempts to these numbers (None: any); ``excluding``: not these."""
    query = _attempts_statement(
        shape, kinds, account_ref is not None, destination is not None,
        None if destinations is None else bool(destinations), bool(excluding),
    )  # fmt: skip
    params: dict[str, Any] = {}
    if account_ref is not None:
        params["account_ref"] = account_ref
    if destination is not None:
        params["destination"] = destination
    if destinations:
        params["destinations"] = list(destinations)
    if excluding:
        params["excluding"] = list(excluding)
    return query, params


@functools.lru_cache(maxsize=256)
def _attempts_statement(
    shape: str,
    kinds: frozenset[str],
    by_account: bool,
    by_destination: bool,
    by_destinations: bool | None,
    excluding: bool,
) -> Select[Any, Any]:
    # Built once per shape, with bind parameters: building the statement per call cost
    # more than running it (SQLAlchemy's coercion and cache key).
    channels, condition = counted(kinds)
    where = [
        Message.debtor_ref == bindparam("debtor_ref"),
        Message.channel.in_(channels),
        Message.attempted_at >= bindparam("since", type_=UTCDateTime()),
        condition,
    ]
    if by_account:
        where.append(Message.account_ref == bindparam("account_ref"))
    if by_destination:
        where.append(Message.destination == bindparam("destination"))
    if by_destinations is not None:
        where.append(Message.destination.in_(bindparam("destinations")) if by_destinations
                     else false())  # fmt: skip
    if excluding:
        where.append(Message.destination.not_in(bindparam("excluding")))
    if shape == "count":
        return select(func.count(), func.min(Message.attempted_at)).where(*where)
    return (
        select(Message.attempted_at, Message.result)
        .where(*where)
        .order_by(Message.attempted_at.desc())
        .limit(1)
    )


def debtor_lock_key(debtor_ref: str) -> int:
    """The debtor's advisory lock key (PostgreSQL), for every path that takes it."""
    digest = hashlib.blake2b(debtor_ref.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _open_window(
    conn: AsyncConnection, debtor_ref: str, message_id: str | None
) -> DebtorSession:
    """PostgreSQL: take the debtor's lock and read what the verdict needs, in one round trip.

    Folded because each statement costs a round trip (~0.3 ms) and the verdict has a 2 ms
    budget. But a statement reads from a snapshot taken when it starts: rows read by the
    statement that *waited* for the lock would predate the commit of the lock's previous
    holder. So the statement only tries the lock. Held by another worker, we wait for it in
    a second statement and read again in a third, with a snapshot taken under the lock.
    Free (the usual case), the reads stand: a holder that committed between our snapshot
    and our try changed, under the lock, only messages' statuses — and the message's row is
    read ``FOR NO KEY UPDATE``, which returns its latest version (it is read, and locked,
    only once the debtor's lock is held, so no one holds the row while waiting for the
    lock). The counts stay out: the rules read them in statements of their own, after this
    one, so they see every attempt claimed before the lock was ours.
    """
    params: dict[str, Any] = {"lock_key": debtor_lock_key(debtor_ref), "debtor_ref": debtor_ref}
    query = _WINDOW
    if message_id is not None:
        query, params["message_id"] = _WINDOW_WITH_MESSAGE, message_id
    row = (await conn.execute(query, params)).one()
    if not row.held:
        await conn.execute(_LOCK, {"lock_key": params["lock_key"]})
        row = (await conn.execute(query, params)).one()
    found = row._mapping
    debtors = Debtor.__table__
    debtor = None
    if found[debtors.c.debtor_ref] is not None:
        debtor = Debtor(**{c.key: found[c] for c in debtors.c})
    if message_id is None or found[_MESSAGE.c.id] is None:
        return DebtorSession(conn, debtor)
    message = Message(**{c.key: found[c] for c in _MESSAGE.c})
    holds = (debtor_ref, message.destination, found["holds"] or [])
    return DebtorSession(conn, debtor, message=message, holds=holds)


def _window_queries() -> tuple[LateralFromClause, Select[Any], Select[Any], Select[Any]]:
    """The statements ``_open_window`` runs, built once (SQLAlchemy caches their SQL)."""
    debtors, messages = Debtor.__table__, Message.__table__
    lock_key = bindparam("lock_key", type_=BigInteger)
    debtor_ref = bindparam("debtor_ref", type_=String)
    # MATERIALIZED: the lock is tried once, before any row joined to it is read.
    locked = (
        select(func.pg_try_advisory_xact_lock(lock_key).label("held"))
        .cte("locked")
        .prefix_with("MATERIALIZED")
    )
    # The message's row, locked as the claim's UPDATE will lock it anyway (NO KEY: inserting
    # its events is not blocked); nothing is read nor locked unless the debtor's lock is held.
    message = (
        select(messages)
        .where(messages.c.id == bindparam("message_id", type_=String), locked.c.held)
        .with_for_update(key_share=True)
        .lateral("message")
    )
    window = select(locked.c.held, debtors).select_from(
        locked.outerjoin(debtors, debtors.c.debtor_ref == debtor_ref)
    )
    with_message = window.outerjoin(message, true()).add_columns(
        message, holds_around(debtor_ref, message.c.destination).label("holds")
    )
    return message, window, with_message, select(func.pg_advisory_xact_lock(lock_key))


_MESSAGE, _WINDOW, _WINDOW_WITH_MESSAGE, _LOCK = _window_queries()


def window_statements() -> tuple[LateralFromClause, Select[Any], Select[Any], Select[Any]]:
    """The statements of ``_open_window``: the hot path on raw asyncpg runs the same SQL."""
    return _MESSAGE, _WINDOW, _WINDOW_WITH_MESSAGE, _LOCK
