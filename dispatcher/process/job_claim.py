"""A job's start in one Redis round trip: arq's checks and its lock, as one script.

arq starts each job with ``WATCH`` on the job's in-progress key, ``EXISTS`` on it,
``ZSCORE`` of the job in the queue, then ``MULTI; PSETEX; EXEC``: four round trips, each
through a redis-py pipeline. The script below makes the same three checks and takes the
same lock, atomically (a script runs alone), in one ``EVALSHA``. What it decides is
arq's: the job is skipped when another worker holds its lock, when it has left the queue,
or when it was put back with a later score.
"""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms
from redis.commands.core import AsyncScript

__all__ = ["JobClaim"]

# KEYS: the job's in-progress key, the queue. ARGV: the job id, now (ms), the lock's life (ms).
# Returns the job's score in the queue when it took the lock, nil when the job is not to run.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
redis.call('PSETEX', KEYS[1], ARGV[3], '1')
return score
"""


class JobClaim:
    """Takes a queued job's in-progress lock, as arq's ``start_jobs`` does."""

    def __init__(self, redis: ArqRedis, queue_name: str, lock_ms: int) -> None:
        self._script: AsyncScript = redis.register_script(_CLAIM)
        self._queue_name = queue_name
        self._lock_ms = lock_ms

    async def take(self, job_id: str) -> int | None:
        """The job's score if this worker may run it now (its lock is taken), else None."""
        keys = [in_progress_key_prefix + job_id, self._queue_name]
        score = await self._script(keys=keys, args=[job_id, timestamp_ms(), self._lock_ms])
        return None if score is None else int(float(score))
