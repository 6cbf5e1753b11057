"""Outcomes of concurrently running jobs, written together: one statement and one commit.

A job that has heard from its provider moves its message on (``sending → sent``, a
retry, ``unknown``, ``failed``). Moves of the same shape (expected and new status,
source, changed columns) that arrive while one is being written wait and go in the next
statement, in message-id order (row locks are taken in key order). Nothing waits for a
timer: alone, a move is written at once; under load, each statement carries what came
in during the previous one's round trip.

Each move is still a compare-and-set with its event: a message that moved on meanwhile
(a callback came first) is left alone and answered False, as ``move`` answers; a message
goes in a statement once. A statement refused for one row's value is written again a
move at a time, so only that move fails. A statement that failed otherwise (a timeout,
a lost connection: it may have committed) fails every move in it: those messages stay
``sending``, which the sweep settles by asking the provider, never by sending again.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from dispatcher.contactlog.digests import sealed_move
from dispatcher.contactlog.models import Message
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.sending.postgres.pool import Statements
from dispatcher.sending.postgres.statements import JSON_COLUMNS

__all__ = ["BatchedMoves", "MoveRow", "Shape", "move_row", "shape_of", "write_moves"]

# Moves written in one statement at most; more wait for the next.
MAX_BATCH = 200

Shape = tuple[frozenset[str], str, str, tuple[str, ...]]  # expect, to, source, changed
MoveRow = tuple[str, datetime, dict[str, Any], tuple[Any, ...]]  # id, at, detail, changed values


@dataclass
class _Pending:
    rows: list[MoveRow] = field(default_factory=list)
    answers: list[asyncio.Future[bool]] = field(default_factory=list)


class BatchedMoves:
    def __init__(self, pool: Callable[[], Awaitable[asyncpg.Pool]]) -> None:
        self._pool = pool
        self._waiting: dict[Shape, _Pending] = {}
        self._writing: set[Shape] = set()
        self._writers: set[asyncio.Task[None]] = set()  # held until done (the loop holds weakly)
        self.statements = 0  # written so far (what batching saved is moves - statements)

    @staticmethod
    def batches(changes: dict[str, Any]) -> bool:
        """Whether a move with these changes can go in a batch (a None written to a JSON
        column must be JSON null, which the arrays here cannot say: those go alone)."""
        return not any(c in JSON_COLUMNS and v is None for c, v in changes.items())

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
    ) -> bool:
        shape = shape_of(expect, to, source, tuple(sorted(changes)))
        pending = self._waiting.setdefault(shape, _Pending())
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        pending.rows.append(move_row(message_id, at, detail, changes))
        pending.answers.append(answer)
        if shape not in self._writing:
            self._writing.add(shape)
            writer = asyncio.get_running_loop().create_task(self._write(shape))
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await asyncio.shield(answer)

    async def _write(self, shape: Shape) -> None:
        try:
            while pending := self._waiting.pop(shape, None):
                rows, answers = self._next_statement(shape, pending)
                try:
                    moved = await self._statement(shape, rows)
                except _REFUSED_WHOLE as exc:
                    if len(rows) > 1:
                        await self._one_by_one(shape, rows, answers)
                    else:
                        _fail(answers, exc)
                    continue
                except BaseException as exc:
                    _fail(answers, exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (message_id, *_), answer in zip(rows, answers, strict=True):
                    if not answer.done():
                        answer.set_result(message_id in moved)
        finally:
            self._writing.discard(shape)

    def _next_statement(
        self, shape: Shape, pending: _Pending
    ) -> tuple[list[MoveRow], list[asyncio.Future[bool]]]:
        """What goes in the next statement: ``MAX_BATCH`` moves at most, and a message once
        (its second move is a compare-and-set after the first, not beside it: in one
        statement both would answer True). The rest wait for the statement after."""
        rows: list[MoveRow] = []
        answers: list[asyncio.Future[bool]] = []
        taken: set[str] = set()
        later = _Pending()
        for row, answer in zip(pending.rows, pending.answers, strict=True):
            if len(rows) == MAX_BATCH or row[0] in taken:
                later.rows.append(row)
                later.answers.append(answer)
            else:
                taken.add(row[0])
                rows.append(row)
                answers.append(answer)
        if later.rows:
            self._waiting[shape] = later
        return rows, answers

    async def _one_by_one(
        self, shape: Shape, rows: list[MoveRow], answers: list[asyncio.Future[bool]]
    ) -> None:
        """A statement PostgreSQL refused for one row's value (too long a provider's error
        code, say) wrote nothing: each move is written alone, so that only that one fails
        and the others' outcomes stand."""
        for index, (row, answer) in enumerate(zip(rows, answers, strict=True)):
            try:
                moved = await self._statement(shape, [row])
            except Exception as exc:
                _fail([answer], exc)
                continue
            except BaseException as exc:
                _fail(answers[index:], exc)
                raise
            if not answer.done():
                answer.set_result(row[0] in moved)

    async def _statement(self, shape: Shape, rows: list[MoveRow]) -> set[str]:
        pool = await self._pool()
        self.statements += 1
        async with pool.acquire() as conn:
            return await write_moves(conn, shape, rows)


# Refusals of a statement's values (SQLSTATE classes 22 and 23): certain to have written
# nothing, and about one row, not the connection. A statement that timed out or lost its
# connection may have committed: its moves are never written again, they fail.
_REFUSED_WHOLE = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


def _fail(answers: list[asyncio.Future[bool]], exc: BaseException) -> None:
    for answer in answers:
        if not answer.done():
            answer.set_exception(exc)


def shape_of(
    expect: Iterable[MessageStatus],
    to: MessageStatus,
    source: EventSource,
    changed: tuple[str, ...],
) -> Shape:
    return (frozenset(str(e) for e in expect), str(to), str(source), changed)


def move_row(
    message_id: str, at: datetime, detail: dict[str, Any], changes: dict[str, Any]
) -> MoveRow:
    """A move as a batch carries it; the digests of what it writes go in its event."""
    detail, changes = sealed_move(detail, changes)
    return (message_id, at, detail, tuple(changes[c] for c in sorted(changes)))


async def write_moves(conn: Statements, shape: Shape, rows: list[MoveRow]) -> set[str]:
    """Moves of one shape in one statement; the ids of those that moved."""
    expect, to, source, changed = shape
    rows = sorted(rows, key=lambda r: r[0])  # row locks in key order
    columns: list[list[Any]] = [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]]
    columns += [[r[3][i] for r in rows] for i in range(len(changed))]
    found = await conn.fetch(_batch_sql(changed), *columns, to, sorted(expect), source)
    return {r[0] for r in found}


@functools.lru_cache(maxsize=64)
def _batch_sql(changed: tuple[str, ...]) -> str:
    """$1 ids, $2 times, $3 details, then one array per changed column; after them the new
    status, the expected statuses and the source."""
    arrays = ["$1::varchar[]", "$2::timestamptz[]", "$3::jsonb[]"]
    arrays += [f"${4 + i}::{_array_type(c)}" for i, c in enumerate(changed)]
    to, expect, source = (f"${len(arrays) + n}" for n in (1, 2, 3))
    names = ", ".join(("id", "at", "detail", *changed))
    sets = ", ".join([f"status = {to}", "updated_at = i.at", *(f"{c} = i.{c}" for c in changed)])
    return (
        f"WITH input AS (SELECT * FROM unnest({', '.join(arrays)}) AS i({names})), "
        f"moved AS (UPDATE messages m SET {sets} FROM input i "
        # The status is compared as an expression, so that no index on it can drive the
        # join: its statistics say "a handful queued" long after a backlog came in, and the
        # planner then walked every queued row once per row of the batch (10 ms for 10).
        f"WHERE m.id = i.id AND m.status || '' = ANY({expect}::varchar[]) "
        "RETURNING m.id, i.at, i.detail) "
        "INSERT INTO message_events (message_id, at, source, status, detail) "
        f"SELECT id, at, {source}, {to}, detail FROM moved RETURNING message_id"
    )


def _array_type(column: str) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql_type = Message.__table__.c[column].type.dialect_impl(dialect).compile(dialect=dialect)
    return re.sub(r"\(\d+\)", "", sql_type) + "[]"
