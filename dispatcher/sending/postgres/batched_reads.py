"""Reads by id of concurrently starting jobs, made together: one statement for all of them.

A job begins by reading its message (its debtor is needed before the debtor's turn and
lock). Reads that arrive while one is being made wait and go in the next statement
(``WHERE id = ANY(…)``). Nothing waits for a timer: alone, a read is made at once; when a
poll hands the worker many jobs at once, one round trip reads them all.

The read takes no lock, as the single read did not: what the job decides on is read again
under the debtor's lock (``batched_windows``). A failed statement fails every read
in it, as it would have failed each one alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from dispatcher.sending.postgres.statements import GET_MESSAGES

__all__ = ["BatchedReads"]

# Reads made in one statement at most; more wait for the next.
MAX_BATCH = 200

_Answer = asyncio.Future[asyncpg.Record | None]


class BatchedReads:
    def __init__(self, pool: Callable[[], Awaitable[asyncpg.Pool]]) -> None:
        self._pool = pool
        self._waiting: dict[str, list[_Answer]] = {}
        self._reader: asyncio.Task[None] | None = None  # held until done (the loop holds weakly)
        self.statements = 0  # made so far (what batching saved is reads - statements)

    async def get(self, message_id: str) -> asyncpg.Record | None:
        """The message's row, or None when there is no such message."""
        answer: _Answer = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(message_id, []).append(answer)
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read())
        return await asyncio.shield(answer)

    async def _read(self) -> None:
        try:
            while self._waiting:
                ids = sorted(self._waiting)[:MAX_BATCH]  # the rest go next
                answers = {message_id: self._waiting.pop(message_id) for message_id in ids}
                try:
                    rows = await self._statement(ids)
                except Exception as exc:
                    _fail(answers, exc)
                    continue
                except BaseException as exc:  # cancelled: no read is left waiting for us
                    _fail(answers | self._waiting, exc)
                    self._waiting.clear()
                    raise
                for message_id, waiting in answers.items():
                    for answer in waiting:
                        if not answer.done():
                            answer.set_result(rows.get(message_id))
        finally:
            self._reader = None

    async def _statement(self, ids: list[str]) -> dict[str, asyncpg.Record]:
        pool = await self._pool()
        self.statements += 1
        async with pool.acquire() as conn:
            return {row["id"]: row for row in await conn.fetch(GET_MESSAGES, ids)}


def _fail(answers: dict[str, list[_Answer]], exc: BaseException) -> None:
    for waiting in answers.values():
        for answer in waiting:
            if not answer.done():
                answer.set_exception(exc)
