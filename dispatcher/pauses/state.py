"""Emergency pauses in the contact log: who paused what, when and why, and when it was lifted.

``PauseStore`` sets and lifts pauses (the HTTP API). ``PauseReader`` is what each
worker's ``operations.pause`` rule asks: the active pauses, as read at most ``max_age_s``
(0.5 s) before, so sending stops within a second of a pause. Once an answer is half that
old, the next verdict starts a read beside it rather than waiting for one.

The reader has its own engine: the rule runs inside the pipeline's per-debtor
transaction, which holds the worker's contact-log connection — on SQLite, the only one —
so reading through that engine would wait on itself. On PostgreSQL it keeps one
connection open: opening one per read costs 7-15 ms (a server process is forked), which
every half second landed on some message's verdict. On SQLite it opens one per read
(``NullPool``), which is cheap, and leaves none open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, insert, make_url, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from compliance.rules.pause import PauseFact, PauseRule
from dispatcher.clock import Clock
from dispatcher.contactlog.models import Message, MessageEvent, Pause
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.sending.queue import JobQueue
from dispatcher.settings import Settings

__all__ = [
    "PauseReader",
    "PauseRecord",
    "PauseStore",
    "pause_rule",
    "release_parked",
    "still_paused",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PauseRecord:
    id: int
    scope: str
    target: str | None
    reason: str
    paused_by: str
    paused_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "target": self.target,
            "reason": self.reason,
            "paused_by": self.paused_by,
            "paused_at": self.paused_at.isoformat(),
            "active": self.active,
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "lifted_by": self.lifted_by,
            "lift_reason": self.lift_reason,
        }


class PauseStore:
    def __init__(self, engine: AsyncEngine, clock: Clock, queue: JobQueue | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.queue = queue  # where released messages are queued (else the sweep queues them)

    async def pause(
        self, *, scope: str, target: str | None, reason: str, by: str
    ) -> tuple[PauseRecord, bool]:
        """Pause ``scope``/``target``; an identical active pause is returned, not repeated."""
        async with self.engine.begin() as conn:
            same = (
                await conn.execute(
                    select(Pause.__table__).where(
                        Pause.lifted_at.is_(None),
                        Pause.scope == scope,
                        Pause.target.is_(None) if target is None else Pause.target == target,
                    )
                )
            ).first()
            if same is not None:
                return PauseRecord(**same._asdict()), False
            row = (
                await conn.execute(
                    insert(Pause)
                    .values(
                        scope=scope, target=target, reason=reason, paused_by=by,
                        paused_at=self.clock.now(),
                    )
                    .returning(*Pause.__table__.c)
                )
            ).one()  # fmt: skip
            return PauseRecord(**row._asdict()), True

    async def resume(
        self, *, scope: str, target: str | None, by: str, reason: str | None
    ) -> list[PauseRecord]:
        """Lift every active pause of ``scope``/``target``, and release what they parked;
        returns the pauses lifted."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                update(Pause)
                .where(
                    Pause.lifted_at.is_(None),
                    Pause.scope == scope,
                    Pause.target.is_(None) if target is None else Pause.target == target,
                )
                .values(lifted_at=now, lifted_by=by, lift_reason=reason)
                .returning(*Pause.__table__.c)
            )
            lifted = sorted((PauseRecord(**r._asdict()) for r in rows), key=lambda p: p.id)
            released = await release_parked(conn, lifted, by=by, at=now)
        if released and self.queue is not None:
            await self.queue.offer([(message_id, now) for message_id in released], now=now)
        return lifted

    async def list(self, *, active_only: bool, limit: int = 500) -> list[PauseRecord]:
        query = select(Pause.__table__).order_by(Pause.id.desc()).limit(limit)
        if active_only:
            query = query.where(Pause.lifted_at.is_(None))
        async with self.engine.connect() as conn:
            return [PauseRecord(**r._asdict()) for r in await conn.execute(query)]


class PauseReader:
    """The active pauses, for ``compliance.rules.pause.PauseRule``; cached ``max_age_s``."""

    def __init__(
        self,
        database_url: str,
        *,
        max_age_s: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database_url = database_url
        self.max_age_s = max_age_s
        self._monotonic = monotonic
        self._engine: AsyncEngine | None = None
        self._cached: tuple[PauseFact, ...] = ()
        self._read_at: float | None = None
        self._lock: asyncio.Lock | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def active_pauses(self) -> Sequence[PauseFact]:
        age = self._age()
        if age is not None and age < self.max_age_s:
            if age >= self.max_age_s / 2 and self._refreshing is None:
                # Read again beside the verdicts while this answer is still fresh: under
                # steady traffic no verdict (and no batch of them, holding its debtors'
                # locks) waits for the read. A failed read here is not an answer: the
                # next verdict past max_age_s reads itself, and says so if it cannot.
                self._refreshing = asyncio.get_running_loop().create_task(self._refresh())
                self._refreshing.add_done_callback(self._refreshed)
            return self._cached
        await self._refresh()
        return self._cached

    async def _refresh(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one read per process, however many jobs ask at once
            age = self._age()
            if age is None or age >= self.max_age_s / 2:
                started = self._monotonic()
                self._cached = await self._read()
                self._read_at = started

    def _refreshed(self, task: asyncio.Task[None]) -> None:
        self._refreshing = None
        if not task.cancelled() and task.exception() is not None:
            log.info("pause state: a read ahead failed (%r); read again when due", task.exception())

    async def requested_by(self, message_id: str) -> str | None:
        async with self._connections().connect() as conn:
            found = await conn.execute(select(Message.requested_by).where(Message.id == message_id))
            return found.scalar_one_or_none()

    async def aclose(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refreshing
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    def _age(self) -> float | None:
        return None if self._read_at is None else self._monotonic() - self._read_at

    async def _read(self) -> tuple[PauseFact, ...]:
        async with self._connections().connect() as conn:
            rows = await conn.execute(
                select(
                    Pause.id, Pause.scope, Pause.target, Pause.reason, Pause.paused_by,
                    Pause.paused_at,
                )
                .where(Pause.lifted_at.is_(None))
                .order_by(Pause.id)
            )  # fmt: skip
            return tuple(PauseFact(*row) for row in rows)

    def _connections(self) -> AsyncEngine:
        if self._engine is None:
            if make_url(self.database_url).get_backend_name() == "sqlite":
                self._engine = create_async_engine(self.database_url, poolclass=NullPool)
            else:
                self._engine = create_async_engine(
                    self.database_url,
                    pool_size=1,
                    max_overflow=1,
                    pool_recycle=1800,
                    pool_pre_ping=True,  # its kept connection may have died with a restart
                )
        return self._engine


async def still_paused(conn: AsyncConnection, pause_id: int) -> bool:
    """Whether a message may be parked under the pause, read in the transaction that would
    park it. On PostgreSQL the row is read ``FOR SHARE SKIP LOCKED``: a resume lifting the
    pause at this moment holds its row, so the answer is no (the message is deferred a few
    seconds instead, as if unparked: never lost, never waiting on the resume); a resume
    that comes after waits for this transaction, and then releases what it parked."""
    query = still_paused_query(postgresql=conn.dialect.name == "postgresql")
    return (await conn.execute(query, {"pause_id": pause_id})).first() is not None


def still_paused_query(*, postgresql: bool) -> Select[int]:
    """``still_paused``'s statement (the worker's raw path compiles it once), ``pause_id``
    bound by name."""
    query = select(Pause.id).where(Pause.id == bindparam("pause_id"), Pause.lifted_at.is_(None))
    return query.with_for_update(read=True, skip_locked=True) if postgresql else query


async def release_parked(
    conn: AsyncConnection, lifted: Sequence[PauseRecord], *, by: str, at: datetime
) -> list[str]:
    """Queue again, due now, the messages the lifted pauses parked; each with its event."""
    if not lifted:
        return []
    ids = [p.id for p in lifted]
    released = list(
        (
            await conn.execute(
                update(Message)
                .where(Message.parked_by.in_(ids), Message.status == MessageStatus.DEFERRED)
                .values(
                    status=MessageStatus.QUEUED, scheduled_for=at, updated_at=at, parked_by=None
                )
                .returning(Message.id)
            )
        ).scalars()
    )
    if released:
        detail = {"released": "the pause that parked it was lifted", "pauses": ids, "by": by}
        await conn.execute(
            insert(MessageEvent),
            [
                {"message_id": message_id, "at": at, "source": EventSource.API,
                 "status": MessageStatus.QUEUED, "detail": detail}
                for message_id in released
            ],
        )  # fmt: skip
    return released


def pause_rule(settings: Settings) -> PauseRule:
    """The ``operations.pause`` rule, reading the pauses of ``settings``' contact log."""
    return PauseRule(PauseReader(settings.effective_database_url))
