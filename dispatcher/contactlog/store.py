"""The contact log: the single source of truth for what was asked, decided and sent.

Every status change goes through ``transition``: a conditional UPDATE (the message must
still be in one of the expected statuses) and its event row, in one transaction. That
compare-and-set is what keeps two workers, or a worker and a late webhook, from both
acting on one message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.collectors import CollectorRegistry
from dispatcher.contactlog.holds import add_hold, lift_holds
from dispatcher.contactlog.models import Debtor, Message, MessageEvent
from dispatcher.contactlog.session import DebtorSession, debtor_session
from dispatcher.contactlog.transitions import move, record_event
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.errors import InvalidRequest, UnknownMessage

__all__ = ["Accepted", "ContactLog"]


@dataclass(frozen=True)
class Accepted:
    """The answer to one enqueued message: its id, and whether this call created it."""

    message_id: str
    idempotency_key: str
    created: bool
    status: MessageStatus
    scheduled_for: datetime


class ContactLog:
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
        carries the existing message's id with ``created=False``.
        """
        if not rows:
            return []
        now = self.clock.now()
        statement = (
            self._insert(Message)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Message.id)
        )
        async with self.engine.begin() as conn:
            inserted = set((await conn.execute(statement, list(rows))).scalars())
            if inserted:
                await conn.execute(
                    insert(MessageEvent),
                    [
                        {
                            "message_id": row["id"],
                            "at": now,
                            "source": EventSource.API,
                            "status": MessageStatus.QUEUED,
                            "detail": {"requested_by": row["requested_by"]},
                        }
                        for row in rows
                        if row["id"] in inserted
                    ],
                )
            existing = await self._existing(conn, [r for r in rows if r["id"] not in inserted])
        answers = []
        for row in rows:
            if row["id"] in inserted:
                answers.append(
                    Accepted(
                        row["id"],
                        row["idempotency_key"],
                        True,
                        MessageStatus.QUEUED,
                        row["scheduled_for"],
                    )
                )
            else:
                answers.append(existing[row["idempotency_key"]])
        return answers

    async def _existing(
        self, conn: AsyncConnection, rows: list[dict[str, Any]]
    ) -> dict[str, Accepted]:
        if not rows:
            return {}
        keys = [r["idempotency_key"] for r in rows]
        found = await conn.execute(
            select(
                Message.id, Message.idempotency_key, Message.status, Message.scheduled_for
            ).where(Message.idempotency_key.in_(keys))
        )
        return {
            key: Accepted(mid, key, False, MessageStatus(status), scheduled_for)
            for mid, key, status, scheduled_for in found
        }

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
    ) -> None:
        """Create or replace what the contact rules know about a debtor.

        ``inconvenient_times``: ``[{"weekdays": [0, 1, 2, 3, 4], "start": "15:00",
        "end": "17:00"}]`` — local times the debtor asked not to be contacted (Monday = 0).
        """
        values = {
            "debtor_ref": debtor_ref, "locale": locale, "time_zone": time_zone,
            "country": country, "region": region, "packs": packs,
            "agreed_contact_until": agreed_contact_until,
            "inconvenient_times": _checked_inconvenient(inconvenient_times),
            "updated_at": self.clock.now(),
        }  # fmt: skip
        statement = self._insert(Debtor).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["debtor_ref"],
            set_={k: v for k, v in values.items() if k != "debtor_ref"},
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    def debtor_session(self, debtor_ref: str) -> AbstractAsyncContextManager[DebtorSession]:
        """The transaction, under the debtor's lock, in which a message is decided and claimed."""
        return debtor_session(self.engine, debtor_ref)


def _checked_inconvenient(times: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if times is None:
        return None
    checked = []
    for index, entry in enumerate(times):
        field = f"inconvenient_times[{index}]"
        try:
            weekdays = sorted({int(d) for d in entry["weekdays"]})
            start, end = time.fromisoformat(entry["start"]), time.fromisoformat(entry["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidRequest.of(
                field, f"needs weekdays, start and end (HH:MM): {exc}"
            ) from None
        if not weekdays or not all(0 <= d <= 6 for d in weekdays):
            raise InvalidRequest.of(f"{field}.weekdays", "must be days 0 (Monday) to 6 (Sunday)")
        checked.append({"weekdays": weekdays, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"})
    return checked
