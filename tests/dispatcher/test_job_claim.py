"""A job's start in one round trip: the checks arq makes, and its lock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms

from dispatcher.process.job_claim import JobClaim

QUEUE = "arq:queue"
LOCK_MS = 70_000


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


async def test_a_due_job_is_taken_with_its_lock(redis: ArqRedis) -> None:
    due = timestamp_ms() - 5
    await redis.zadd(QUEUE, {"job-1": due})

    score = await JobClaim(redis, QUEUE, LOCK_MS).take("job-1")

    assert score == due
    assert await redis.get(in_progress_key_prefix + "job-1") == b"1"
    assert 0 < await redis.pttl(in_progress_key_prefix + "job-1") <= LOCK_MS
    assert await redis.zscore(QUEUE, "job-1") == due  # arq removes it when the job ends


async def test_a_job_another_worker_runs_is_not_taken(redis: ArqRedis) -> None:
    await redis.zadd(QUEUE, {"job-1": timestamp_ms() - 5})
    claim = JobClaim(redis, QUEUE, LOCK_MS)
    assert await claim.take("job-1") is not None

    assert await claim.take("job-1") is None


async def test_a_job_gone_from_the_queue_or_put_back_for_later_is_not_taken(
    redis: ArqRedis,
) -> None:
    await redis.zadd(QUEUE, {"later": timestamp_ms() + 60_000})
    claim = JobClaim(redis, QUEUE, LOCK_MS)

    assert await claim.take("gone") is None
    assert await claim.take("later") is None
    assert (
        await redis.exists(in_progress_key_prefix + "gone", in_progress_key_prefix + "later") == 0
    )
