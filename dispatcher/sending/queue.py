"""Putting pipeline jobs on arq's Redis queue, many per round trip.

A job is keyed by its message id and the time it is due, so enqueueing the same
message for the same time twice (the client, then the sweep) leaves one job. The
contact log, not the queue, decides whether a job still has work to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime

from arq.connections import ArqRedis
from arq.constants import default_queue_name, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.exceptions import RedisError

__all__ = ["PROCESS_MESSAGE", "JobQueue", "job_id_for"]

log = logging.getLogger(__name__)

PROCESS_MESSAGE = "process_message"
# A job still in Redis this long after it was due is dropped; the sweep re-creates it.
EXPIRES_AFTER_DUE_MS = 24 * 3600 * 1000

# For each job: add it only if neither the job nor its result exists (as arq does).
# ARGV[1], ARGV[2]: the job payload before and after the message id (see _PayloadShape);
# then per job its message id, job id, score and expiry.
_ENQUEUE_MANY = """
local added = 0
for i = 3, #ARGV, 4 do
    local message_id, id, score, expires_ms = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    if redis.call('EXISTS', KEYS[2] .. id, KEYS[3] .. id) == 0 then
        redis.call('PSETEX', KEYS[2] .. id, expires_ms, ARGV[1] .. message_id .. ARGV[2])
        redis.call('ZADD', KEYS[1], score, id)
        added = added + 1
    end
end
return added
"""
_ID_PLACEHOLDER = "0" * 26  # message ids are ULIDs: 26 characters


def _payload_around_id(enqueue_ms: int) -> tuple[bytes, bytes]:
    """arq's serialised job for ``process_message(<id>)``, split around the id.

    Every job of a batch is the same but for its message id (of fixed length), so it is
    serialised once and Redis puts each id in: a 10,000-message batch no longer pickles
    10,000 payloads nor sends them.
    """
    payload = serialize_job(PROCESS_MESSAGE, (_ID_PLACEHOLDER,), {}, None, enqueue_ms)
    before, found, after = payload.partition(_ID_PLACEHOLDER.encode())
    assert found and _ID_PLACEHOLDER.encode() not in after, "unexpected job serialisation"
    return before, after


def job_id_for(message_id: str, due: datetime) -> str:
    return f"{message_id}@{int(due.timestamp() * 1000)}"


class JobQueue:
    def __init__(self, redis: ArqRedis, queue_name: str = default_queue_name) -> None:
        self.redis = redis
        self.queue_name = queue_name
        self._script = redis.register_script(_ENQUEUE_MANY)

    async def enqueue(self, jobs: Iterable[tuple[str, datetime]], *, now: datetime) -> int:
        """Enqueue ``(message_id, due)`` pairs in one round trip; returns how many were new.

        ``now`` is the dispatcher's clock; arq runs on the machine's, so a job is queued
        to run after the same delay (``due - now``) rather than at the same timestamp.
        """
        now_ms = int(time.time() * 1000)
        before, after = _payload_around_id(now_ms)
        argv: list[bytes | str | int] = [before, after]
        for message_id, due in jobs:
            if len(message_id) != len(_ID_PLACEHOLDER):
                raise ValueError(f"not a message id: {message_id!r}")
            due_ms = now_ms + max(0, int((due - now).total_seconds() * 1000))
            expires_ms = due_ms - now_ms + EXPIRES_AFTER_DUE_MS
            argv += [message_id, job_id_for(message_id, due), due_ms, expires_ms]
        if len(argv) == 2:
            return 0
        keys = [self.queue_name, job_key_prefix, result_key_prefix]
        return int(await self._script(keys=keys, args=argv))

    async def offer(self, jobs: Iterable[tuple[str, datetime]], *, now: datetime) -> int:
        """``enqueue``, for messages already committed to the contact log: if Redis cannot
        be reached, nothing is lost — the sweep enqueues due messages that have no job."""
        jobs = list(jobs)
        try:
            return await self.enqueue(jobs, now=now)
        except (RedisError, OSError) as exc:
            log.warning(
                "could not enqueue %d jobs (%s: %s); the sweep will enqueue them",
                len(jobs), type(exc).__name__, exc,
            )  # fmt: skip
            return 0

    async def depth(self) -> int:
        return int(await self.redis.zcard(self.queue_name))
