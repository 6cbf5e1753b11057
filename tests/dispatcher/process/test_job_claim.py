"""Jobs started together in one round trip: the checks arq makes, its lock, its first read;
and jobs ending together finished in one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from arq.utils import timestamp_ms

from dispatcher.process.job_claim import RETRY_KEY_TTL_S, JobClaim
from dispatcher.process.job_finish import FinishBatches, JobEnd

QUEUE = "arq:queue"
LOCK_MS = 70_000


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


async def queued(redis: ArqRedis, job_id: str, score: int, payload: bytes = b"job") -> None:
    await redis.set(job_key_prefix + job_id, payload)
    await redis.zadd(QUEUE, {job_id: score})


async def test_due_jobs_are_taken_with_their_lock_their_data_and_their_try(
    redis: ArqRedis,
) -> None:
    due = timestamp_ms() - 5
    await queued(redis, "job-1", due, b"first")
    await queued(redis, "job-2", due + 1, b"second")
    await redis.set(retry_key_prefix + "job-2", 2)  # tried twice before

    looked, taken = await JobClaim(redis, QUEUE, LOCK_MS).take(["job-1", "job-2"], 5)

    assert looked == 2
    assert [(j.job_id, j.score, j.payload, j.job_try) for j in taken] == [
        ("job-1", due, b"first", 1), ("job-2", due + 1, b"second", 3),
    ]  # fmt: skip
    for job_id in ("job-1", "job-2"):
        assert await redis.get(in_progress_key_prefix + job_id) == b"1"
        assert 0 < await redis.pttl(in_progress_key_prefix + job_id) <= LOCK_MS
        assert 0 < await redis.ttl(retry_key_prefix + job_id) <= RETRY_KEY_TTL_S
    assert await redis.zscore(QUEUE, "job-1") == due  # arq removes it when the job ends


async def test_a_job_another_worker_runs_is_not_taken_nor_its_try_counted(
    redis: ArqRedis,
) -> None:
    await queued(redis, "job-1", timestamp_ms() - 5)
    claim = JobClaim(redis, QUEUE, LOCK_MS)
    assert len((await claim.take(["job-1"], 1))[1]) == 1

    assert await claim.take(["job-1"], 1) == (1, [])
    assert await redis.get(retry_key_prefix + "job-1") == b"1"


async def test_jobs_gone_from_the_queue_or_put_back_for_later_are_not_taken(
    redis: ArqRedis,
) -> None:
    await queued(redis, "later", timestamp_ms() + 60_000)
    await queued(redis, "due", timestamp_ms() - 5)
    claim = JobClaim(redis, QUEUE, LOCK_MS)

    _, taken = await claim.take(["gone", "later", "due"], 3)

    assert [j.job_id for j in taken] == ["due"]
    for job_id in ("gone", "later"):
        assert await redis.exists(in_progress_key_prefix + job_id) == 0
        assert await redis.exists(retry_key_prefix + job_id) == 0


async def test_a_claim_takes_no_more_than_it_may_and_says_how_far_it_looked(
    redis: ArqRedis,
) -> None:
    due = timestamp_ms() - 5
    for job_id in ("running", "a", "b", "c"):
        await queued(redis, job_id, due)
    await redis.set(in_progress_key_prefix + "running", 1)

    looked, taken = await JobClaim(redis, QUEUE, LOCK_MS).take(["running", "a", "b", "c"], 2)

    assert looked == 3 and [j.job_id for j in taken] == ["a", "b"]
    assert await redis.exists(in_progress_key_prefix + "c", retry_key_prefix + "c") == 0


async def test_a_job_whose_data_expired_is_taken_without_it(redis: ArqRedis) -> None:
    """arq's run_job fails such a job; the claim only reports it."""
    await redis.zadd(QUEUE, {"expired": timestamp_ms() - 5})

    _, (taken,) = await JobClaim(redis, QUEUE, LOCK_MS).take(["expired"], 1)

    assert taken.payload is None and taken.job_try == 1


async def test_jobs_ending_in_one_loop_turn_are_finished_in_one_transaction(
    redis: ArqRedis,
) -> None:
    for job_id in ("done", "again", "later", "cron"):
        await queued(redis, job_id, 1_000)
        await redis.set(in_progress_key_prefix + job_id, 1)
        await redis.set(retry_key_prefix + job_id, 1)
    finishes = FinishBatches(redis, QUEUE)
    executed = 0
    execute = type(redis.pipeline()).execute

    async def counted(self: object, *args: object, **kwargs: object) -> object:
        nonlocal executed
        executed += 1
        return await execute(self, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(redis.pipeline()), "execute", counted)
        await asyncio.gather(
            finishes.finish(JobEnd("done", finish=True)),
            finishes.finish(JobEnd("again", finish=False)),
            finishes.finish(JobEnd("later", finish=False, incr_score=500)),
            finishes.finish(JobEnd("cron", finish=True, keep_in_progress=60)),
        )

    assert executed == 1
    # done: unlocked, its data, try and place in the queue gone
    assert await redis.exists(*(p + "done" for p in (in_progress_key_prefix, job_key_prefix,
                                                      retry_key_prefix))) == 0  # fmt: skip
    assert await redis.zscore(QUEUE, "done") is None
    # cancelled, to run again: unlocked, still queued with its data and its tries
    assert await redis.exists(in_progress_key_prefix + "again") == 0
    assert await redis.zscore(QUEUE, "again") == 1_000
    assert await redis.get(retry_key_prefix + "again") == b"1"
    # put back by Retry: later in the queue
    assert await redis.zscore(QUEUE, "later") == 1_500
    # a cron job keeps its lock for a while
    assert 0 < await redis.pttl(in_progress_key_prefix + "cron") <= 60_000
    assert await redis.zscore(QUEUE, "cron") is None


async def test_a_failed_batch_raises_in_every_job_of_it(redis: ArqRedis) -> None:
    finishes = FinishBatches(redis, QUEUE)
    await redis.set("not-a-set", "x")
    broken = FinishBatches(redis, "not-a-set")  # ZREM on a string: WRONGTYPE

    results = await asyncio.gather(
        broken.finish(JobEnd("a", finish=True)), broken.finish(JobEnd("b", finish=True)),
        return_exceptions=True,
    )  # fmt: skip

    assert all(isinstance(r, Exception) for r in results), results
    await finishes.finish(JobEnd("c", finish=True))  # another batch is not affected
