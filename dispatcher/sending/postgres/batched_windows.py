"""Decision windows of concurrently deciding jobs, opened together: one transaction for all.

A job decides under its debtor's lock (``window.PostgresWindow``): BEGIN with the lock,
the decision statement, the claim, COMMIT — four round trips and a commit per message if
each job had its own. Jobs that ask for a window while another batch is being opened wait
and go in the next one: BEGIN and their debtors' locks in one simple query (in key order,
as every holder of several takes them, so two batches cannot wait for each other), one
statement reading every debtor's window (``statements.DECISIONS``), then each job decides
on its own window; its moves are written with those of the others (``SharedTransaction``),
and one COMMIT ends them all. Nothing waits for a timer: alone, a window is opened at once.

Several jobs for one debtor (a burst) go in one batch too, in line (``_Line``): the first
decides; each next one's window is read when the one before has left — in the same
transaction, so its statement sees the claims and deferrals written before it, as a window
of its own would after their commit. The debtor's lock is taken once for the whole line.

A claim stands only once the batch has committed: a job leaves its window only then, and
sends only after. A job that fails inside its window rolls the whole batch back (what the
others wrote goes too): it sees its own error, and each of the others
``DecisionWindowLost``, on which the pipeline decides again from the start — nothing it
wrote in the batch stands, nothing was sent. So does a statement that fails or is
cancelled in PostgreSQL (a timeout, a deadlock, a job's timeout mid-statement): the batch
is lost from then on (``SharedTransaction.lost``), every later statement or move of it is
``DecisionWindowLost`` instead of meeting the aborted transaction, and it never COMMITs —
nor is a COMMIT believed unless PostgreSQL answers ``COMMIT``. A read for a window whose
job gave up runs to its end, never cancelled under the others' claims.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from dispatcher.contactlog.session import debtor_lock_key
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.sending.postgres import statements as sql
from dispatcher.sending.postgres.batched_moves import (
    BatchedMoves,
    Shape,
    move_row,
    shape_of,
    write_moves,
)
from dispatcher.sending.postgres.recent import Prefetch, RecentAttempts
from dispatcher.sending.postgres.window import BEGIN, PostgresWindow, move
from dispatcher.sending.sending_log import DecisionWindowLost

__all__ = ["BatchedWindows", "SharedTransaction", "WindowInBatch"]

# Windows opened in one transaction at most; more wait for the next.
MAX_BATCH = 50

_T = TypeVar("_T")


class SharedTransaction:
    """A batch's connection, one statement at a time, and the moves its windows await.

    The moves are written when every window of the batch has either left or is waiting
    for its move: then those of one shape go in one statement (``batched_moves``), and
    the windows go on. A claim is one statement per batch, not per message."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.connection = conn
        self._turn = asyncio.Lock()
        self._members: list[WindowInBatch] = []
        self._moves: dict[Shape, list[_Move]] = {}
        self._changed = asyncio.Event()
        self.statements = 0  # moves' statements written
        self.reads: set[asyncio.Task[None]] = set()  # windows being read for those in line
        # Why the batch cannot commit, once it cannot: a statement failed or was cancelled
        # (PostgreSQL has aborted the transaction), or a window left with an error.
        self.lost: BaseException | None = None

    def member(self, request: _Request) -> WindowInBatch:
        window = WindowInBatch(self, request)
        self._members.append(window)
        return window

    def lose(self, why: BaseException) -> None:
        if self.lost is None:
            self.lost = why
        self.changed()

    async def run(self, message_id: str, statement: Callable[[], Awaitable[_T]]) -> _T:
        """One statement on the batch's connection, for ``message_id``'s window. Once the
        batch is lost, ``DecisionWindowLost``: the statement would only meet an aborted
        transaction, and the window is to be decided again, not counted as a crash."""
        async with self._turn:
            if self.lost is not None:
                raise DecisionWindowLost(message_id)
            try:
                return await statement()
            except BaseException as exc:
                self.lose(exc)
                raise

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.run("", lambda: self.connection.fetch(query, *args))
        return rows

    def changed(self) -> None:
        self._changed.set()

    def queue(self, move: _Move) -> asyncio.Future[bool]:
        self._moves.setdefault(move.shape, []).append(move)
        move.member.waiting = True
        self.changed()
        return move.answer

    def drop_moves(self) -> None:
        """The moves still queued, answered ``DecisionWindowLost``: their batch is over."""
        moves, self._moves = self._moves, {}
        for queued in moves.values():
            _answer_lost(queued)

    async def settle(self) -> None:
        """Write the moves the windows wait for, until every window has left."""
        while True:
            while not all(m.request.left is not None or m.waiting for m in self._members):
                self._changed.clear()
                await self._changed.wait()
            if not self._moves:
                return
            moves, self._moves = self._moves, {}
            for shape, queued in moves.items():
                try:
                    moved = await self.run("", functools.partial(self._write, shape, queued))
                except DecisionWindowLost:  # lost before: nothing written, decided again
                    _answer_lost(queued)
                    continue
                except Exception as exc:  # this statement lost the transaction: its windows
                    for each in queued:  # hear why
                        each.member.waiting = False
                        _fail(each.answer, exc)
                    continue
                self.statements += 1
                for each in queued:
                    each.member.waiting = False
                    if not each.answer.done():
                        each.answer.set_result(each.message_id in moved)

    async def _write(self, shape: Shape, queued: list[_Move]) -> set[str]:
        if len(queued) > 1:
            rows = [move_row(q.message_id, q.at, q.detail, q.changes) for q in queued]
            return await write_moves(self.connection, shape, rows)
        alone = queued[0]  # as one row: a plain UPDATE by key, lighter than the arrays
        moved = await move(
            self.connection, alone.message_id, expect=alone.expect, to=alone.to,
            source=alone.source, detail=alone.detail, at=alone.at, changes=alone.changes,
        )  # fmt: skip
        return {alone.message_id} if moved else set()


@dataclass
class _Move:
    """A move a window waits for, until its batch writes it."""

    member: WindowInBatch
    message_id: str
    expect: frozenset[MessageStatus]
    to: MessageStatus
    source: EventSource
    detail: dict[str, Any]
    at: datetime
    changes: dict[str, Any]
    shape: Shape = field(init=False)
    answer: asyncio.Future[bool] = field(init=False)

    def __post_init__(self) -> None:
        self.shape = shape_of(self.expect, self.to, self.source, tuple(sorted(self.changes)))
        self.answer = asyncio.get_running_loop().create_future()


class WindowInBatch:
    """One window's share of a batch's transaction (``window.WindowTransaction``)."""

    def __init__(self, shared: SharedTransaction, request: _Request) -> None:
        self.shared = shared
        self.request = request
        self.waiting = False  # for a move the batch is to write

    @property
    def connection(self) -> asyncpg.Connection:
        return self.shared.connection

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._run(lambda: self.connection.fetch(query, *args))
        return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._run(
            lambda: self.connection.fetchrow(query, *args)
        )
        return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._run(lambda: self.connection.fetchval(query, *args))

    async def execute(self, query: str, *args: Any) -> str:
        status: str = await self._run(lambda: self.connection.execute(query, *args))
        return status

    async def _run(self, statement: Callable[[], Awaitable[_T]]) -> _T:
        return await self.shared.run(self.request.message_id, statement)

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
    ) -> bool:
        if log_event and BatchedMoves.batches(changes):
            queued = _Move(self, message_id, frozenset(expect), to, source, detail, at, changes)
            return await self.shared.queue(queued)
        return await move(
            self, message_id, expect=expect, to=to, source=source, detail=detail, at=at,
            changes=changes, log_event=log_event,
        )  # fmt: skip


@dataclass
class _Request:
    debtor_ref: str
    message_id: str
    now: datetime
    opened: asyncio.Future[PostgresWindow]
    left: bool | None = None  # None: still in its window; True: left without an error
    shared: SharedTransaction | None = None
    ended: asyncio.Future[None] = field(init=False)  # the batch's transaction is over
    line: _Line | None = None  # the same debtor's next requests in the batch

    def __post_init__(self) -> None:
        self.ended = asyncio.get_running_loop().create_future()

    def leave(self, *, ok: bool) -> None:
        if self.left is None:
            self.left = ok
            if not ok and self.shared is not None:
                self.shared.lose(DecisionWindowLost(self.message_id))
            line, self.line = self.line, None
            if line is not None:  # before the batch hears of it: the next one is a member first
                line.next()
        if self.shared is not None:
            self.shared.changed()


class _Line:
    """A debtor's requests after the first in a batch, each opened when the one before has
    left: its window is read then, in the batch's transaction, after what was written."""

    def __init__(self, shared: SharedTransaction, horizon: datetime, prefetch: Prefetch) -> None:
        self.shared = shared
        self.horizon = horizon
        self.prefetch = prefetch
        self.waiting: deque[_Request] = deque()

    def next(self) -> None:
        while self.waiting:
            request = self.waiting.popleft()
            if request.left is not None:  # gave up waiting (cancelled): nothing of it to undo
                continue
            if self.shared.lost is not None:  # the batch rolls back (one before left with an
                _abandon(request)  # error, say): decided again from the start, in a later one
                continue
            request.shared, request.line = self.shared, self
            member = self.shared.member(request)
            read = asyncio.get_running_loop().create_task(self._open(request, member))
            self.shared.reads.add(read)  # held until done (the loop holds tasks weakly)
            read.add_done_callback(self.shared.reads.discard)
            return

    async def _open(self, request: _Request, member: WindowInBatch) -> None:
        try:
            (row,) = await member.fetch(
                sql.DECISIONS, [request.debtor_ref], [request.message_id],
                [debtor_lock_key(request.debtor_ref)], self.horizon, self.prefetch.limit + 1,
            )  # fmt: skip
        except BaseException as exc:
            request.leave(ok=False)  # the transaction may be lost: the batch rolls back
            # Cancelled by the batch, not by its job (which awaits it shielded): the window
            # is lost and decided again; the job was not cancelled.
            lost = DecisionWindowLost(request.message_id)
            _fail(request.opened, exc if isinstance(exc, Exception) else lost)
            if not isinstance(exc, Exception):
                raise
            return
        if not request.opened.done():
            request.opened.set_result(_window(member, row, self.horizon, self.prefetch))


class BatchedWindows:
    def __init__(
        self, pool: Callable[[], Awaitable[asyncpg.Pool]], prefetch: Prefetch, *, batches: int = 1
    ) -> None:
        self._pool = pool
        self._prefetch = prefetch
        self._waiting: list[_Request] = []
        self._openers: set[asyncio.Task[None]] = set()  # held until done (the loop holds weakly)
        self._batches = batches  # open at once at most
        self.transactions = 0  # so far (what batching saved is windows - transactions)
        self.statements = 0  # moves' statements written in them (claims, deferrals, blocks)

    @asynccontextmanager
    async def window(
        self, debtor_ref: str, *, message_id: str, now: datetime
    ) -> AsyncIterator[PostgresWindow]:
        """The debtor's window, its lock held, the message read and locked; left when the
        batch has committed (``DecisionWindowLost`` when it rolled back for another's sake)."""
        loop = asyncio.get_running_loop()
        request = _Request(debtor_ref, message_id, now, loop.create_future())
        self._waiting.append(request)
        if len(self._openers) < self._batches:
            opener = loop.create_task(self._open())
            self._openers.add(opener)
            opener.add_done_callback(self._openers.discard)  # cancelled before it ran
        try:
            window = await asyncio.shield(request.opened)
        except BaseException:
            request.leave(ok=True)  # never used: nothing of it to undo
            raise
        try:
            yield window
        except BaseException:
            request.leave(ok=False)
            await _quietly(request.ended)  # its row locks gone before the error is handled
            raise
        request.leave(ok=True)
        await asyncio.shield(request.ended)

    async def _open(self) -> None:
        try:
            while self._waiting:
                batch = _take(self._waiting)
                try:
                    await self._run(batch)
                except BaseException as exc:
                    for request in batch:
                        _fail(request.opened, exc)
                        _fail(request.ended, exc)
                    if not isinstance(exc, Exception):  # cancelled: no one is left waiting
                        for request in self._waiting:
                            _fail(request.opened, exc)
                        self._waiting.clear()
                        raise
        finally:
            # Gone as soon as it finds no one waiting: in its done callback, a step later, a
            # window asked for in between would find it still here and wait for no one.
            self._openers.discard(asyncio.current_task())

    async def _run(self, batch: list[_Request]) -> None:
        pool = await self._pool()
        self.transactions += 1
        horizon = min(request.now for request in batch) - self._prefetch.span
        keys = {debtor_lock_key(request.debtor_ref) for request in batch}
        # Our own integers, never input: written inline, in key order.
        locks = "; ".join(f"SELECT pg_advisory_xact_lock({int(key)})" for key in sorted(keys))
        async with pool.acquire() as conn:
            await conn.execute(f"{BEGIN}; {locks}")
            shared = SharedTransaction(conn)
            try:
                firsts = _in_lines(batch, shared, horizon, self._prefetch)
                rows = await shared.fetch(  # a turn: one in line may read beside it
                    sql.DECISIONS,
                    [request.debtor_ref for request in firsts],
                    [request.message_id for request in firsts],
                    [debtor_lock_key(request.debtor_ref) for request in firsts],
                    horizon,
                    self._prefetch.limit + 1,
                )
                for request, row in zip(firsts, rows, strict=True):
                    window = _window(shared.member(request), row, horizon, self._prefetch)
                    request.shared = shared
                    request.opened.set_result(window)
                await shared.settle()
                # Reads for windows given up meanwhile run to their end: one cancelled
                # mid-statement would abort the transaction the others' claims are in.
                await asyncio.gather(*shared.reads, return_exceptions=True)
                for request in batch:  # none is left waiting for a window it will not get
                    if not request.opened.done():
                        _abandon(request)
                self.statements += shared.statements
                committed = shared.lost is None and all(request.left for request in batch)
            except BaseException as exc:
                shared.lose(exc)  # windows still deciding touch the connection no more
                shared.drop_moves()
                await _cancelled(shared.reads)  # none may use the connection once it is back
                if not conn.is_closed():
                    await conn.execute("ROLLBACK")
                raise
            # A COMMIT of an aborted transaction answers "ROLLBACK", without an error.
            if committed and await conn.execute("COMMIT") == "COMMIT":
                for request in batch:
                    if not request.ended.done():  # those abandoned were told already
                        request.ended.set_result(None)
                return
            if not committed:
                try:
                    await conn.execute("ROLLBACK")
                except (asyncpg.PostgresError, OSError):  # the connection is gone, and its
                    pass  # transaction with it: the windows hear they were lost, as below
        for request in batch:
            _fail(request.ended, DecisionWindowLost(request.message_id))


def _take(waiting: list[_Request]) -> list[_Request]:
    """The next batch: the first ``MAX_BATCH`` requests waiting."""
    batch, waiting[:] = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
    return batch


def _in_lines(
    batch: list[_Request], shared: SharedTransaction, horizon: datetime, prefetch: Prefetch
) -> list[_Request]:
    """The first request of each debtor, in the batch's order; the others wait in line
    behind it."""
    lines: dict[str, _Line] = {}
    firsts: list[_Request] = []
    for request in batch:
        if request.left is not None:  # gave up waiting (cancelled): nothing of it to undo
            continue
        line = lines.get(request.debtor_ref)
        if line is None:
            line = lines[request.debtor_ref] = _Line(shared, horizon, prefetch)
            request.line = line
            firsts.append(request)
        else:
            line.waiting.append(request)
    return firsts


def _window(
    member: WindowInBatch, row: asyncpg.Record, horizon: datetime, prefetch: Prefetch
) -> PostgresWindow:
    """A window from its row of ``statements.DECISIONS``."""
    recent = RecentAttempts(row["attempts"], horizon=horizon, limit=prefetch.limit)
    return PostgresWindow(member, member.request.debtor_ref, row, recent)


def _abandon(request: _Request) -> None:
    """A request that will not be opened in this batch (in line behind a window that
    failed): nothing of it to undo; it is told to decide again."""
    request.left = True  # nothing of it to undo
    _fail(request.opened, DecisionWindowLost(request.message_id))
    if not request.ended.done():
        request.ended.set_result(None)  # no one waits for it


def _answer_lost(queued: list[_Move]) -> None:
    for each in queued:
        each.member.waiting = False
        _fail(each.answer, DecisionWindowLost(each.message_id))


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
        future.exception()  # whoever awaits it still gets it; no one may (a job given up)


async def _cancelled(tasks: set[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _quietly(future: asyncio.Future[None]) -> None:
    try:
        await asyncio.shield(future)
    except Exception:  # the job's own error is the one to report
        return
