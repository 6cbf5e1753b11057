"""The contact log: the single source of truth for what was asked, decided and sent.

Every status change goes through ``transition``: a conditional UPDATE (the message must
still be in one of the expected statuses) and its event row, in one transaction. That
compare-and-set is what keeps two workers, or a worker and a late webhook, from both
acting on one message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.collectors import CollectorRegistry
from dispatcher.contactlog.holds import add_hold, lift_holds
from dispatcher.contactlog.models import Account, Debtor, Message, MessageEvent, UTCDateTime
from dispatcher.contactlog.session import DebtorSession, debtor_session
from dispatcher.contactlog.transitions import move, record_event
from dispatcher.debtors.contact_data import checked_account
from dispatcher.debtors.record import checked_debtor
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.errors import FieldProblem, IdempotencyConflict, UnknownMessage
from dispatcher.metrics import record_accepted
from dispatcher.preferences.store import change_preferences

__all__ = ["Accepted", "ContactLog", "queue_rows"]


@dataclass(frozen=True)
class Accepted:
    """The answer to one enqueued message: its id, and whether this call created it."""

    message_id: str
    idempotency_key: str
    created: bool
    status: MessageStatus
    scheduled_for: datetime


class ContactLog:
    # On PostgreSQL, batches of this many rows or more are COPYed (see ``add_queued``):
    # below it, the COPY's extra round trips cost more than they save.
    COPY_FROM_ROWS = 50
    lines_up_debtors = False  # as the send path's log: its windows wait for the debtor's turn

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.collectors = CollectorRegistry(engine, clock)
        self._postgres = engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if self._postgres else sqlite.insert
        # Single statements need no BEGIN/ROLLBACK around them: on PostgreSQL that saves two
        # round trips per read. (SQLite keeps its BEGIN IMMEDIATE; it has no network.)
        self._single = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if self._postgres else engine
        )

    async def add_queued(self, rows: Sequence[dict[str, Any]]) -> list[Accepted]:
        """Insert new messages (status queued) and their first events, all or nothing.

        A row whose idempotency key already exists is not inserted again: the answer
        carries the existing message's id with ``created=False``. On PostgreSQL a batch of
        ``COPY_FROM_ROWS`` or more is copied into a temporary table and inserted from there
        with its events in one statement (``_copy_queued``); the result is the same.
        """
        if not rows:
            return []
        copy = self._postgres and len(rows) >= self.COPY_FROM_ROWS
        async with self.engine.begin() as conn:
            accepted = await queue_rows(conn, rows, at=self.clock.now(), copy=copy)
        for row, answer in zip(rows, accepted, strict=True):
            if answer.created:
                record_accepted(row["channel"])
        return accepted

    async def get(self, message_id: str) -> Message:
        async with self._single.connect() as conn:
            row = (
                await conn.execute(select(Message.__table__).where(Message.id == message_id))
            ).first()
        if row is None:
            raise UnknownMessage(message_id)
        return Message(**row._asdict())

    async def events(self, message_id: str) -> list[MessageEvent]:
        async with self._single.connect() as conn:
            rows = await conn.execute(
                select(MessageEvent.__table__)
                .where(MessageEvent.message_id == message_id)
                .order_by(MessageEvent.id)
            )
            return [MessageEvent(**row._asdict()) for row in rows]

    async def transition(
        self,
        message_id: str,
        *,
        expect: Iterable[MessageStatus],
        to: MessageStatus,
        source: EventSource,
        detail: dict[str, Any] | None = None,
        **changes: Any,
    ) -> bool:
        """Move a message to ``to`` if it is still in one of ``expect``; log the event.

        Returns False, and writes nothing, when the message has moved on meanwhile.
        """
        engine = self._single if self._postgres else self.engine  # one statement on PostgreSQL
        async with engine.begin() as conn:
            return await move(
                conn, message_id, expect=expect, to=to, source=source,
                detail=detail or {}, at=self.clock.now(), changes=changes,
            )  # fmt: skip

    async def note(
        self,
        message_id: str,
        *,
        source: EventSource,
        detail: dict[str, Any],
        **changes: Any,
    ) -> None:
        """Record something that happened without changing the message's status."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            status = (
                await conn.execute(
                    update(Message)
                    .where(Message.id == message_id)
                    .values(updated_at=now, **changes)
                    .returning(Message.status)
                )
            ).scalar_one()
            await record_event(
                conn, message_id, at=now, source=source, status=MessageStatus(status),
                detail=detail,
            )  # fmt: skip

    async def due(self, *, scheduled_before: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Queued or deferred messages that should have been picked up by now."""
        async with self._single.connect() as conn:
            rows = await conn.execute(
                select(Message.id, Message.scheduled_for)
                .where(
                    Message.status.in_([MessageStatus.QUEUED, MessageStatus.DEFERRED]),
                    Message.scheduled_for <= scheduled_before,
                )
                .order_by(Message.scheduled_for)
                .limit(limit)
            )
            return [(mid, at) for mid, at in rows]

    async def stuck_sending(self, *, claimed_before: datetime, limit: int) -> list[str]:
        async with self._single.connect() as conn:
            rows = await conn.execute(
                select(Message.id)
                .where(
                    Message.status == MessageStatus.SENDING,
                    Message.updated_at <= claimed_before,
                )
                .limit(limit)
            )
            return list(rows.scalars())

    async def add_hold(
        self,
        *,
        kind: str,
        set_by: str,
        source: str,
        reason: str,
        debtor_ref: str | None = None,
        destination: str | None = None,
        channel: str | None = None,
    ) -> bool:
        """Set a hold on a debtor or a destination (one channel, or all); False if already set."""
        if debtor_ref is None and destination is None:
            raise ValueError("a hold needs a debtor_ref or a destination")
        async with self.engine.begin() as conn:
            return await add_hold(
                conn, kind=kind, debtor_ref=debtor_ref, destination=destination,
                channel=channel, set_by=set_by, source=source, reason=reason,
                at=self.clock.now(),
            )  # fmt: skip

    async def lift_hold(
        self,
        *,
        kind: str,
        lifted_by: str,
        debtor_ref: str | None = None,
        destination: str | None = None,
        channel: str | None = None,
    ) -> int:
        async with self.engine.begin() as conn:
            return await lift_holds(
                conn, kind=kind, debtor_ref=debtor_ref, destination=destination,
                channel=channel, lifted_by=lifted_by, at=self.clock.now(),
            )  # fmt: skip

    async def upsert_debtor(
        self,
        debtor_ref: str,
        *,
        locale: str | None = None,
        time_zone: str | None = None,
        country: str | None = None,
        region: str | None = None,
        packs: list[str] | None = None,
        agreed_contact_until: datetime | None = None,
        inconvenient_times: list[dict[str, Any]] | None = None,
        phones: list[dict[str, Any]] | None = None,
        address: dict[str, Any] | None = None,
        preferences: Mapping[str, Any] | None = None,
        changed_by: str = "strategy",
        reason: str = "the debtor's record was updated",
    ) -> dict[str, Any]:
        """Create or replace what the contact rules know about a debtor; returns the row.

        ``inconvenient_times``: ``[{"weekdays": [0, 1, 2, 3, 4], "start": "15:00",
        "end": "17:00"}]`` — local times the debtor asked not to be contacted (Monday = 0).
        It and ``preferences`` (``dispatcher.preferences``: times, places, channel,
        language) change only what they name, each change logged with ``changed_by`` and
        ``reason``; preferences not named are kept (a collector may have recorded them).
        ``phones``: ``[{"number": "+12125550134", "type": "mobile", "consent": True,
        "consent_at": "2026-01-05T10:00:00+00:00"}]`` (type mobile, home, work or other);
        ``address``: ``{"lines": [...], "postal_code", "country", "region"}``. Every
        problem is named (``time_zone``, ``phones[1].type``) in one ``InvalidRequest``,
        by the same check the HTTP API uses (``dispatcher.debtors.record``).
        """
        wanted = dict(preferences or {})
        if inconvenient_times is not None:
            wanted["inconvenient_times"] = inconvenient_times
        checked = checked_debtor(
            locale=locale, time_zone=time_zone, country=country, region=region, packs=packs,
            agreed_contact_until=agreed_contact_until, preferences=wanted, phones=phones,
            address=address,
        )  # fmt: skip
        given = checked.pop("preferences")
        now = self.clock.now()
        values = {"debtor_ref": debtor_ref, **checked, "updated_at": now}
        statement = self._insert(Debtor).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["debtor_ref"],
            set_={k: v for k, v in values.items() if k != "debtor_ref"},
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)
            stated, _ = await change_preferences(
                conn, debtor_ref, given, by=changed_by, source="api", reason=reason, at=now
            )
        return {**values, **stated.to_json()}

    async def upsert_account(
        self,
        debtor_ref: str,
        account_ref: str,
        *,
        amount: Decimal | str | int,
        currency: str,
        days_overdue: int,
    ) -> dict[str, Any]:
        """Create or replace one debt of a debtor (the strategy module's view); returns the row.

        ``amount`` is exact: a ``Decimal``, an integer or a decimal string, at most 2 decimals.
        """
        value, currency, days_overdue = checked_account(amount, currency, days_overdue)
        values = {
            "debtor_ref": debtor_ref, "account_ref": account_ref, "amount": value,
            "currency": currency, "days_overdue": days_overdue, "updated_at": self.clock.now(),
        }  # fmt: skip
        statement = self._insert(Account).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["debtor_ref", "account_ref"],
            set_={k: v for k, v in values.items() if k not in ("debtor_ref", "account_ref")},
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)
        return values

    def debtor_session(
        self, debtor_ref: str, *, message_id: str | None = None
    ) -> AbstractAsyncContextManager[DebtorSession]:
        """The transaction, under the debtor's lock, in which a message is decided and claimed.
        ``message_id``: the message to decide, read with the lock (see ``debtor_session``)."""
        return debtor_session(self.engine, debtor_ref, message_id=message_id)


# A session's scratch table for COPY: emptied at every commit, gone with a rollback.
_COPY_TABLE = "queued_messages_in"
_CREATE_COPY_TABLE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_COPY_TABLE} "
    "(LIKE messages INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_JSON_COLUMNS = frozenset(c.name for c in Message.__table__.c if isinstance(c.type, JSON))
_json_text = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps, no spaces
_TIME_COLUMNS = frozenset(c.name for c in Message.__table__.c if isinstance(c.type, UTCDateTime))


async def _copy_queued(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]], now: datetime
) -> set[str]:
    """COPY ``rows`` into a temporary table, then one INSERT … SELECT for messages and events.

    Stores exactly what ``_insert_queued`` stores: JSON columns serialised the way
    SQLAlchemy's JSON type does (``None`` is JSON null), aware times only.
    """
    columns = list(rows[0])
    # Through SQLAlchemy first: that is what opens the transaction the driver then joins.
    await conn.execute(text(_CREATE_COPY_TABLE))
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None and driver.is_in_transaction()
    await driver.copy_records_to_table(
        _COPY_TABLE, records=_records(rows, columns), columns=columns
    )
    names = ", ".join(columns)
    statement = (
        f"WITH new AS (INSERT INTO messages ({names}) SELECT {names} FROM {_COPY_TABLE} "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, requested_by), "
        "events AS (INSERT INTO message_events (message_id, at, source, status, detail) "
        "SELECT id, $1, $2, $3, jsonb_build_object('requested_by', requested_by) FROM new) "
        "SELECT id FROM new"
    )
    found = await driver.fetch(statement, now, str(EventSource.API), str(MessageStatus.QUEUED))
    return {record[0] for record in found}


async def queue_rows(
    conn: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    *,
    at: datetime,
    detail: dict[str, Any] | None = None,
    copy: bool = False,
) -> list[Accepted]:
    """Insert validated rows as queued messages with their first events, on ``conn`` (the
    caller's transaction, so that what else it writes commits with them or not at all).

    A row whose idempotency key exists already is answered with the existing message
    (``created=False``). ``detail`` is added to each new event; ``copy`` takes the COPY path
    (PostgreSQL, events carrying only ``requested_by``).
    """
    if not rows:
        return []
    if copy:
        assert not detail, "the COPY path writes events with requested_by only"
        inserted = await _copy_queued(conn, rows, at)
    else:
        inserted = await _insert_queued(conn, rows, at, detail or {})
    existing = await _existing(conn, [r for r in rows if r["id"] not in inserted])
    _refuse_reused_keys(rows, inserted, existing)
    return [
        Accepted(row["id"], row["idempotency_key"], True, MessageStatus.QUEUED,
                 row["scheduled_for"])
        if row["id"] in inserted
        else existing[row["idempotency_key"]][0]
        for row in rows
    ]  # fmt: skip


async def _insert_queued(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]], at: datetime, detail: dict[str, Any]
) -> set[str]:
    """The plain path (SQLite, small batches): INSERT … ON CONFLICT DO NOTHING, events."""
    make_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        make_insert(Message)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Message.id)
    )
    inserted = set((await conn.execute(statement, list(rows))).scalars())
    if inserted:
        await conn.execute(
            insert(MessageEvent),
            [
                {
                    "message_id": row["id"],
                    "at": at,
                    "source": EventSource.API,
                    "status": MessageStatus.QUEUED,
                    "detail": {"requested_by": row["requested_by"], **detail},
                }
                for row in rows
                if row["id"] in inserted
            ],
        )
    return inserted


async def _existing(
    conn: AsyncConnection, rows: list[dict[str, Any]]
) -> dict[str, tuple[Accepted, str | None]]:
    """The messages already holding these rows' keys, with their requests' fingerprints."""
    if not rows:
        return {}
    keys = [r["idempotency_key"] for r in rows]
    found = await conn.execute(
        select(
            Message.id, Message.idempotency_key, Message.status, Message.scheduled_for,
            Message.request_fingerprint,
        ).where(Message.idempotency_key.in_(keys))
    )  # fmt: skip
    return {
        key: (Accepted(mid, key, False, MessageStatus(status), scheduled_for), fingerprint)
        for mid, key, status, scheduled_for, fingerprint in found
    }


def _refuse_reused_keys(
    rows: Sequence[dict[str, Any]],
    inserted: set[str],
    existing: dict[str, tuple[Accepted, str | None]],
) -> None:
    """Raise (the caller's transaction then writes nothing) if a key already names a
    message made from another request. Rows from before fingerprints cannot be told."""
    problems = [
        FieldProblem(
            "idempotency_key",
            f"{row['idempotency_key']!r} was used for a different request (message "
            f"{existing[row['idempotency_key']][0].message_id}); use a new key",
            index if len(rows) > 1 else None,
            code="enqueue.idempotency_key.reused",
            params={
                "key": repr(row["idempotency_key"]),
                "message_id": existing[row["idempotency_key"]][0].message_id,
            },
        )
        for index, row in enumerate(rows)
        if row["id"] not in inserted
        and None not in (row.get("request_fingerprint"), existing[row["idempotency_key"]][1])
        and row.get("request_fingerprint") != existing[row["idempotency_key"]][1]
    ]
    if problems:
        raise IdempotencyConflict(problems)


def _records(rows: Sequence[dict[str, Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    json_at = [i for i, c in enumerate(columns) if c in _JSON_COLUMNS]
    time_at = [i for i, c in enumerate(columns) if c in _TIME_COLUMNS]
    dumps = _json_text
    records = []
    for row in rows:
        values = [row[c] for c in columns]
        for i in json_at:
            values[i] = dumps(values[i])
        for i in time_at:
            if values[i] is not None and values[i].tzinfo is None:
                raise ValueError("naive datetime given to the contact log; use an aware UTC time")
        records.append(tuple(values))
    return records
