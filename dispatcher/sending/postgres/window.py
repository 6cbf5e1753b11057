"""A debtor's decision window on raw asyncpg: the same lock, reads and claim as
``contactlog.session.DebtorSession``, at a tenth of the CPU per statement.

It is opened (``batched_windows``) by beginning the transaction and waiting for the
debtor's lock (``BEGIN; SELECT pg_advisory_xact_lock(key)``, one simple query: a
transaction's BEGIN is a round trip of its own anyway), then one statement, whose snapshot
is taken with the lock held, so it sees every attempt claimed before the lock was ours:
the debtor, the message ``FOR NO KEY UPDATE``, the holds (``_open_window``'s statement),
the debtor's risk flag events and recent attempts (``statements.DECISION``). The rules'
counts, latest attempts and flags are answered from it (``recent``); collectors and a
pause's state, rarely asked, in statements of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

import asyncpg
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import manager_of_class

from compliance import AttemptCount, AttemptFact, HoldFact
from compliance.rules.risk_flags import RiskFlagFact
from dispatcher.contactlog.digests import sealed_move
from dispatcher.contactlog.holds import pick_holds
from dispatcher.contactlog.models import Base, Collector, Debtor, Message
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.risk_flags.read import RiskFlagEventRow, flag_states
from dispatcher.sending.postgres import statements as sql
from dispatcher.sending.postgres.pool import Statements
from dispatcher.sending.postgres.recent import Prefetch, RecentAttempts

__all__ = ["BEGIN", "PostgresWindow", "Prefetch", "WindowTransaction", "move"]

_Row = TypeVar("_Row", bound=Base)
_DEBTOR_AT = slice(1, 1 + len(sql.DEBTOR_COLUMNS))
_MESSAGE_AT = slice(_DEBTOR_AT.stop, _DEBTOR_AT.stop + len(sql.MESSAGE_COLUMNS))


# Read committed, whatever the server's default: each statement's snapshot is its own, so
# the one after the lock sees what the lock's previous holder committed.
BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"


class WindowTransaction(Statements, Protocol):
    """What a window runs on: its statements, and its moves (which a batch writes together)."""

    async def move(
        self,
        message_id: str,
        *,
        expect: Iterable[MessageStatus],
        to: MessageStatus,
        source: EventSource,
        detail: dict[str, Any],
        at: datetime,
        changes: dict[str, Any],
        log_event: bool,
    ) -> bool: ...


class PostgresWindow:
    """The contact log as the rules see it (``compliance.ContactFacts``), plus the claim."""

    def __init__(
        self, conn: WindowTransaction, debtor_ref: str, row: asyncpg.Record,
        recent: RecentAttempts,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.debtor_ref = debtor_ref  # whose lock is held, whose flags and attempts were read
        found = tuple(row)
        debtor, message = found[_DEBTOR_AT], found[_MESSAGE_AT]
        self.debtor = loaded(Debtor, sql.DEBTOR_COLUMNS, debtor) if debtor[0] is not None else None
        self._message = (
            loaded(Message, sql.MESSAGE_COLUMNS, message) if message[0] is not None else None
        )
        self._holds: list[dict[str, Any]] = row["holds"] or []
        self._flag_events = [
            RiskFlagEventRow(**dict(zip(sql.FLAG_COLUMNS, event, strict=True)))
            for event in row["flags"] or ()
        ]
        self._recent = recent

    async def message(self, message_id: str) -> Message | None:
        if self._message is not None and self._message.id == message_id:
            found, self._message = self._message, None  # answers once: we may move it next
            return found
        row = await self.conn.fetchrow(sql.GET_MESSAGE, message_id)
        return message_of(row)

    async def collectors(self, ids: Iterable[str]) -> dict[str, Collector]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.conn.fetch(sql.COLLECTORS, wanted)
        return {row["collector_id"]: loaded(Collector, sql.COLLECTOR_COLUMNS, row) for row in rows}

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]:
        # The window read every active hold of the debtor and of the message's destination;
        # the rules ask about exactly those (the message's debtor and destination).
        assert self.debtor is None or self.debtor.debtor_ref == debtor_ref
        return pick_holds(self._holds, debtor_ref=debtor_ref, destination=destination,
                          channel=channel)  # fmt: skip

    async def risk_flags(self, *, debtor_ref: str) -> list[RiskFlagFact]:
        if debtor_ref == self.debtor_ref:
            events = self._flag_events
        else:
            rows = await self.conn.fetch(sql.FLAG_EVENTS, debtor_ref)
            events = [RiskFlagEventRow(**dict(row.items())) for row in rows]
        return [state.fact() for state in flag_states(events)]

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
        """``DebtorSession.count_attempts``, the same condition (see ``statements``)."""
        query = sql.attempts_sql(
            "count", counts, account_ref is not None, destination is not None,
            None if destinations is None else bool(destinations), bool(excluding),
        )  # fmt: skip
        if query is None:
            return AttemptCount(0, None)
        if debtor_ref == self.debtor_ref and self._recent.answers(since):
            return self._recent.count(
                counts, since, account_ref, destination, destinations, excluding
            )
        args = _scope(debtor_ref, since, account_ref, destination, destinations, excluding)
        count, oldest = await self.conn.fetchrow(query, *args) or (0, None)
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
        query = sql.attempts_sql(
            "latest", counts, account_ref is not None, destination is not None, None, False
        )
        if query is None:
            return None
        if debtor_ref == self.debtor_ref and self._recent.answers(since):
            return self._recent.latest(counts, since, account_ref, destination)
        row = await self.conn.fetchrow(
            query, *_scope(debtor_ref, since, account_ref, destination, None, ())
        )
        return AttemptFact(row[0], row[1]) if row else None

    async def pause_in_force(self, pause_id: int) -> bool:
        query = sql.PAUSE_IN_FORCE
        found: int | None = await self.conn.fetchval(query.sql, *query.args({"pause_id": pause_id}))
        return found is not None

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
        return await self.conn.move(
            message_id, expect=expect, to=to, source=EventSource.WORKER,
            detail=detail, at=at, changes=changes, log_event=log_event,
        )  # fmt: skip


def message_of(row: asyncpg.Record | None) -> Message | None:
    return loaded(Message, sql.MESSAGE_COLUMNS, row) if row else None


def loaded(cls: type[_Row], columns: tuple[str, ...], values: Iterable[Any]) -> _Row:
    """A row as the ORM loads one (its state, its values in place), not as a constructor
    builds one: the constructor fires an attribute event per column, 260 µs for a message
    against 3 µs. Read-only here: the pipeline never adds these objects to a session."""
    if not _configured:
        configure_mappers()
        _configured.append(True)
    row: _Row = manager_of_class(cls).new_instance()
    row.__dict__.update(zip(columns, values, strict=True))
    return row


_configured: list[bool] = []  # configure_mappers() done (the ORM's constructor does it)


def _scope(
    debtor_ref: str,
    since: datetime,
    account_ref: str | None,
    destination: str | None,
    destinations: tuple[str, ...] | None,
    excluding: tuple[str, ...],
) -> list[Any]:
    """The count's parameters in ``attempts_sql``'s order."""
    args: list[Any] = [debtor_ref, since]
    if account_ref is not None:
        args.append(account_ref)
    if destination is not None:
        args.append(destination)
    if destinations:
        args.append(list(destinations))
    if excluding:
        args.append(list(excluding))
    return args


async def move(
    conn: Statements,
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
    """``contactlog.transitions.move`` on raw asyncpg: the same statement, the same event."""
    detail, changes = sealed_move(detail, changes)
    changed = tuple(sorted(changes))
    json_null = frozenset(c for c in changed if c in sql.JSON_COLUMNS and changes[c] is None)
    query = sql.move_sql(changed, json_null, log_event=log_event)
    args: list[Any] = [message_id, [str(e) for e in expect], str(to), at]
    if log_event:
        args += [str(source), detail]  # JSON-encoded by the pool's codec
    args += [changes[c] for c in changed if c not in json_null]
    status: str = await conn.execute(query, *args)  # "INSERT 0 1", "UPDATE 0"
    return status.rsplit(" ", 1)[-1] == "1"
