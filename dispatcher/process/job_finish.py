"""Jobs that end together are finished in one Redis round trip.

arq ends each job with a ``MULTI … EXEC`` of its own (unlock it, drop it from the queue or
put it back for later, forget its data and try counter). Jobs of one worker tend to end in
the same moment — their decisions commit together, their outcomes are written together —
so the finishes asked for in one turn of the event loop go as one ``MULTI … EXEC``: the
same commands, each job's as arq's ``Worker.finish_job`` sends them, in one transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from arq.connections import ArqRedis
from arq.constants import (
    abort_jobs_ss,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)  # fmt: skip
from arq.utils import to_ms
from redis.asyncio.client import Pipeline

__all__ = ["FinishBatches", "JobEnd"]


@dataclass(frozen=True)
class JobEnd:
    """How one job ended: the arguments of arq's ``Worker.finish_job``."""

    job_id: str
    finish: bool  # done for good (else it runs again: put back or left to its lock)
    result_data: bytes | None = None
    result_timeout_s: float | None = None
    keep_result_forever: bool = False
    incr_score: int | None = None  # put back this much later
    keep_in_progress: float | None = None  # a cron job keeps its lock this long

    def queue_on(self, transaction: Pipeline, queue_name: str) -> None:
        """arq's commands for this end, queued on ``transaction``."""
        in_progress = in_progress_key_prefix + self.job_id
        delete = []
        if self.keep_in_progress is None:
            delete.append(in_progress)
        else:
            transaction.pexpire(in_progress, to_ms(self.keep_in_progress) or 0)
        if self.finish:
            if self.result_data:
                expire = None if self.keep_result_forever else self.result_timeout_s
                transaction.set(result_key_prefix + self.job_id, self.result_data,
                                px=to_ms(expire))  # fmt: skip
            delete += [retry_key_prefix + self.job_id, job_key_prefix + self.job_id]
            transaction.zrem(abort_jobs_ss, self.job_id)
            transaction.zrem(queue_name, self.job_id)
        elif self.incr_score:
            transaction.zincrby(queue_name, self.incr_score, self.job_id)
        if delete:
            transaction.delete(*delete)


class FinishBatches:
    """Collects the job ends of one loop turn and sends them as one transaction."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self._redis = redis
        self._queue_name = queue_name
        self._waiting: list[JobEnd] = []
        self._sent: asyncio.Future[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def finish(self, end: JobEnd) -> None:
        """Returns once ``end`` is written (raises what Redis raised for its batch)."""
        if self._sent is None:
            loop = asyncio.get_running_loop()
            self._sent = loop.create_future()
            loop.call_soon(self._send_waiting)
        self._waiting.append(end)
        await asyncio.shield(self._sent)

    def _send_waiting(self) -> None:
        batch, sent = self._waiting, self._sent
        self._waiting, self._sent = [], None
        assert sent is not None
        task = asyncio.get_running_loop().create_task(self._execute(batch, sent))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _execute(self, batch: list[JobEnd], sent: asyncio.Future[None]) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as transaction:
                for end in batch:
                    end.queue_on(transaction, self._queue_name)
                await transaction.execute()
        except asyncio.CancelledError:
            sent.cancel()
            raise
        except Exception as exc:  # every job of the batch gets it
            sent.set_exception(exc)
        else:
            sent.set_result(None)
