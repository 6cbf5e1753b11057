"""What the pipeline asks of the contact log, on PostgreSQL through raw asyncpg.

The same statements as ``ContactLog`` (reads by id, the decision window, compare-and-set
transitions with their events) without SQLAlchemy's execute, pool and transaction
wrappers, which cost about ten times the database's own work per statement here. What
the send path does rarely (a note beside a callback that came first, a hold from a
provider's opt-out, a crash) goes to ``ContactLog`` unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from dispatcher.clock import Clock
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.errors import UnknownMessage
from dispatcher.sending.postgres.batched_moves import BatchedMoves
from dispatcher.sending.postgres.batched_reads import BatchedReads
from dispatcher.sending.postgres.batched_windows import BatchedWindows
from dispatcher.sending.postgres.pool import connect_pool
from dispatcher.sending.postgres.recent import DEFAULT_PREFETCH
from dispatcher.sending.postgres.window import PostgresWindow, Prefetch, message_of, move

__all__ = ["PostgresSendingLog"]


class PostgresSendingLog:
    """The send path's contact log on PostgreSQL. The pool is opened on first use (it needs
    the worker's event loop) and closed by ``aclose``."""

    lines_up_debtors = True  # one debtor's windows go in line in a batch (``batched_windows``)

    def __init__(
        self, log: ContactLog, clock: Clock, *, url: str, max_size: int,
        prefetch: Prefetch = DEFAULT_PREFETCH,
    ) -> None:  # fmt: skip
        self.log = log
        self.clock = clock
        self._url = url
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Lock | None = None
        self.outcomes = BatchedMoves(self.pool)
        self.reads = BatchedReads(self.pool)
        self.windows = BatchedWindows(self.pool, prefetch)

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            self._opening = self._opening or asyncio.Lock()
            async with self._opening:
                if self._pool is None:
                    self._pool = await connect_pool(self._url, max_size=self._max_size)
        return self._pool

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def get(self, message_id: str) -> Message:
        """The message by id (with those of other jobs starting at the same time, see
        ``batched_reads``)."""
        found = message_of(await self.reads.get(message_id))
        if found is None:
            raise UnknownMessage(message_id)
        return found

    @asynccontextmanager
    async def debtor_session(
        self, debtor_ref: str, *, message_id: str
    ) -> AsyncIterator[PostgresWindow]:
        """The debtor's decision window (with those of other jobs deciding at the same time,
        see ``batched_windows``)."""
        async with self.windows.window(
            debtor_ref, message_id=message_id, now=self.clock.now()
        ) as window:
            yield window

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
        """``ContactLog.transition``: one statement, its own transaction (shared with the
        moves of other jobs running at the same time, see ``batched_moves``)."""
        if BatchedMoves.batches(changes):
            return await self.outcomes.move(
                message_id, expect=expect, to=to, source=source, detail=detail or {},
                at=self.clock.now(), changes=changes,
            )  # fmt: skip
        pool = await self.pool()
        async with pool.acquire() as conn:
            return await move(
                conn, message_id, expect=expect, to=to, source=source,
                detail=detail or {}, at=self.clock.now(), changes=changes,
            )  # fmt: skip

    async def note(
        self, message_id: str, *, source: EventSource, detail: dict[str, Any], **changes: Any
    ) -> None:
        await self.log.note(message_id, source=source, detail=detail, **changes)

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
        return await self.log.add_hold(
            kind=kind, set_by=set_by, source=source, reason=reason, debtor_ref=debtor_ref,
            destination=destination, channel=channel,
        )  # fmt: skip
