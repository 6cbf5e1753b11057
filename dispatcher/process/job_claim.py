"""Jobs started together in one Redis round trip: arq's checks, its lock and its first read.

For each job arq makes five round trips before the job's function runs: ``WATCH`` on the
job's in-progress key, ``EXISTS`` on it, ``ZSCORE`` of the job in the queue,
``MULTI; PSETEX; EXEC`` (the lock), then ``GET`` of the job, ``INCR`` and ``EXPIRE`` of its
try counter. The script below does all of it for every job a worker has room for, in one
``EVALSHA``, atomically (a script runs alone). What it decides is arq's: a job is skipped
when another worker holds its lock, when it has left the queue, or when it was put back
with a later score; a job it takes is locked, its try counted, and its payload returned.
It is given more ids than it may take and stops once it has taken enough: a poll's ids
begin with jobs already running (here or in another worker), and skipping those one round
trip at a time cost more than the jobs it found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from arq.utils import timestamp_ms
from redis.commands.core import AsyncScript

__all__ = ["RETRY_KEY_TTL_S", "ClaimedJob", "JobClaim"]

RETRY_KEY_TTL_S = 88_400  # arq's life for a job's try counter

# KEYS: the queue, then per job its in-progress, job and try-counter keys.
# ARGV: now (ms), the lock's life (ms), the counter's life (s), how many to take at most,
# then the job ids, looked at in order until that many are taken.
# Returns how many ids were looked at, then per job taken: {id, score, payload or nil, try}.
_CLAIM = """
local now, most, taken = tonumber(ARGV[1]), tonumber(ARGV[4]), {}
local looked = 0
for i = 5, #ARGV do
  if #taken >= most then break end
  looked = looked + 1
  local id, k = ARGV[i], 3 * (i - 5) + 2
  if redis.call('EXISTS', KEYS[k]) == 0 then
    local score = redis.call('ZSCORE', KEYS[1], id)
    if score and tonumber(score) <= now then
      redis.call('PSETEX', KEYS[k], ARGV[2], '1')
      local try = redis.call('INCR', KEYS[k + 2])
      redis.call('EXPIRE', KEYS[k + 2], ARGV[3])
      taken[#taken + 1] = {id, score, redis.call('GET', KEYS[k + 1]), try}
    end
  end
end
return {looked, taken}
"""


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lock of, with what arq's ``run_job`` reads first."""

    job_id: str
    score: int
    payload: bytes | None  # None: the job's data expired or was deleted
    job_try: int  # this try's number, already counted in Redis


class JobClaim:
    """Takes queued jobs' in-progress locks and reads them, as arq's worker does."""

    def __init__(self, redis: ArqRedis, queue_name: str, lock_ms: int) -> None:
        self._script: AsyncScript = redis.register_script(_CLAIM)
        self._queue_name = queue_name
        self._lock_ms = lock_ms

    async def take(self, job_ids: Sequence[str], most: int) -> tuple[int, list[ClaimedJob]]:
        """At most ``most`` of ``job_ids`` that this worker may run now, each locked and its
        try counted; and how many of ``job_ids`` were looked at (in order) to find them."""
        if not job_ids or most < 1:
            return 0, []
        keys = [self._queue_name]
        for job_id in job_ids:
            keys += [in_progress_key_prefix + job_id, job_key_prefix + job_id,
                     retry_key_prefix + job_id]  # fmt: skip
        args: list[str | int] = [timestamp_ms(), self._lock_ms, RETRY_KEY_TTL_S, most, *job_ids]
        looked, taken = await self._script(keys=keys, args=args)
        return int(looked), [
            ClaimedJob(job_id.decode(), int(float(score)), payload, int(job_try))
            for job_id, score, payload, job_try in taken
        ]
