"""The worker's own job path (claim, run, finish) against arq's semantics.

Each test states what arq's own worker would leave in Redis in the same situation."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from typing import Any

import pytest
from arq import Worker, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from redis.exceptions import ConnectionError as RedisConnectionError

from dispatcher.process import job_claim as job_claim_module
from dispatcher.process.job_finish import FinishBatches
from dispatcher.process.worker import DispatcherWorker

RAN: Counter[str] = Counter()
TRIES: dict[str, list[int]] = {}
RUNNING: Counter[str] = Counter()
TWICE_AT_ONCE: list[str] = []


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


async def note(ctx: dict[str, Any], name: str) -> Any:
    RAN[name] += 1
    TRIES.setdefault(name, []).append(ctx["job_try"])
    RUNNING[name] += 1
    if RUNNING[name] > 1:
        TWICE_AT_ONCE.append(name)
    try:
        await asyncio.sleep(0.005)
    finally:
        RUNNING[name] -= 1
    if name == "bad-repr":
        return BadRepr()
    return name


@pytest.fixture(autouse=True)
def forget() -> None:
    RAN.clear()
    TRIES.clear()
    RUNNING.clear()
    TWICE_AT_ONCE.clear()


@pytest.fixture
async def redis(redis_url: str) -> Any:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


def worker(redis: ArqRedis, **options: Any) -> DispatcherWorker:
    return DispatcherWorker(
        functions=[func(note, name="note")], redis_pool=redis, ctx={"deps": None},
        keep_result=0, poll_delay=0.01, handle_signals=False, max_tries=3, **options,
    )  # fmt: skip


async def wait_until(check: Any, within_s: float = 5.0) -> None:
    for _ in range(int(within_s / 0.01)):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")


# -- stops landing between the claim and the run ------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="known divergence from arq (session 10's review, left for the next): a try is "
    "counted for a job a stop kept from running; fix: give the try back (DECR, DEL the lock)",
)
async def test_a_stop_landing_while_the_claims_answer_is_on_its_way_counts_no_try(
    redis: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM on a worker with nothing running, while its claim's answer is in flight (the
    script ran in Redis; the reply is still on the wire). arq's worker cancelled in the same
    place (its lock's EXEC in flight) leaves the job's try uncounted: arq counts it in
    run_job. Simulated: the real script runs, then the reply 'takes' a second."""
    await redis.enqueue_job("note", "j", _job_id="j")
    take = job_claim_module.JobClaim.take
    in_flight = asyncio.Event()

    async def slow_answer(self: Any, job_ids: Any, most: int) -> Any:
        answer = await take(self, job_ids, most)  # the script ran, atomically
        if answer[1]:
            in_flight.set()
            await asyncio.sleep(1.0)  # the reply, still on its way
        return answer

    monkeypatch.setattr(job_claim_module.JobClaim, "take", slow_answer)
    running = worker(redis, max_jobs=5, job_completion_wait=5)
    stopped = asyncio.create_task(running.run_until_stopped())
    await asyncio.wait_for(in_flight.wait(), 5)

    running.handle_sig_wait_for_completion(signal.SIGTERM)
    await asyncio.wait_for(stopped, 5)

    assert RAN == Counter()  # it never ran
    # arq: None (never counted). Here the claim counted it and nobody gives it back.
    assert await redis.get(retry_key_prefix + "j") is None


@pytest.mark.xfail(
    strict=True,
    reason="known divergence from arq (session 10's review, left for the next): a try is "
    "counted for a job a stop kept from running; fix: give the try back (DECR, DEL the lock)",
)
async def test_a_job_cancelled_before_its_first_step_counts_no_try(
    redis: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop-now (second signal) landing right after a claim answered: the jobs' tasks are
    cancelled before their first step. arq's run_job cancelled before its first step has
    not counted the try (its INCR is run_job's first round trip)."""
    await redis.enqueue_job("note", "j", _job_id="j")
    take = job_claim_module.JobClaim.take
    holder: dict[str, DispatcherWorker] = {}

    async def then_stop_now(self: Any, job_ids: Any, most: int) -> Any:
        answer = await take(self, job_ids, most)
        if answer[1]:  # runs before the tasks _start is about to create take their first step
            asyncio.get_running_loop().call_soon(holder["w"].handle_sig, signal.SIGINT)
        return answer

    monkeypatch.setattr(job_claim_module.JobClaim, "take", then_stop_now)
    holder["w"] = running = worker(redis, max_jobs=5)
    await asyncio.wait_for(running.run_until_stopped(), 5)

    assert RAN == Counter()  # it never ran
    assert await redis.get(retry_key_prefix + "j") is None  # arq: never counted


# -- errors arq's run_job catches ------------------------------------------------------------


async def test_a_result_whose_repr_fails_fails_the_job_as_arq_does(
    redis: ArqRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """arq computes repr(result) inside its try: a failing repr fails the job (finished, its
    data gone) and the worker goes on. Here it is outside: the task raises, no finish.
    (Only with arq's job lines on, as a worker logs them: INFO on "arq.worker".)"""
    caplog.set_level(logging.INFO, logger="arq.worker")
    await redis.enqueue_job("note", "bad-repr", _job_id="bad-repr")
    running = worker(redis, max_jobs=5)

    crash: BaseException | None = None
    try:
        await asyncio.wait_for(running.run_until_idle(), 10)
    except Exception as exc:
        crash = exc

    in_progress = await redis.exists(in_progress_key_prefix + "bad-repr")
    assert (crash, in_progress, running.jobs_failed) == (None, 0, 1)


# -- paths not covered elsewhere (these pass) ------------------------------------------------


async def test_dispatcher_workers_and_an_arq_worker_never_run_a_job_twice(
    redis: ArqRedis, redis_url: str
) -> None:
    """Two of these workers and one of arq's own share a queue: the script's lock and arq's
    WATCHed lock exclude each other; every job runs once, on its first try."""
    ids = [f"job-{i}" for i in range(150)]
    for job_id in ids:
        await redis.enqueue_job("note", job_id, _job_id=job_id)
    others = [await create_pool(RedisSettings.from_dsn(redis_url)) for _ in range(2)]
    ours = [worker(r, max_jobs=7) for r in others[:1]] + [worker(redis, max_jobs=5)]
    theirs = Worker(
        functions=[func(note, name="note")], redis_pool=others[1], keep_result=0,
        poll_delay=0.01, handle_signals=False, max_tries=3, max_jobs=6, burst=True,
    )  # fmt: skip
    await asyncio.gather(*(w.run_until_idle() for w in ours), theirs.main())
    await theirs.close()

    assert RAN == Counter(dict.fromkeys(ids, 1))
    assert TWICE_AT_ONCE == []
    assert all(tries == [1] for tries in TRIES.values())
    assert await redis.zcard("arq:queue") == 0


async def test_a_finish_that_meets_a_redis_error_leaves_the_job_to_run_again(
    redis: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection fails at the finish's MULTI/EXEC: the worker goes on; the job keeps its
    lock (it runs again once the lock expires), its data, its queue entry and its one try."""
    execute = FinishBatches._execute
    failed: list[int] = []

    async def cut_once(self: FinishBatches, batch: Any, sent: Any) -> None:
        if not failed:
            failed.append(len(batch))
            sent.set_exception(RedisConnectionError("Connection reset by peer"))
            return
        await execute(self, batch, sent)

    monkeypatch.setattr(FinishBatches, "_execute", cut_once)
    await redis.enqueue_job("note", "j", _job_id="j")
    running = worker(redis, max_jobs=5)
    stopped = asyncio.create_task(running.run_until_stopped())

    async def ran_and_slot_back() -> bool:
        return RAN["j"] == 1 and running.job_counter == 0

    await wait_until(ran_and_slot_back)  # (run_until_idle: the locked job counts as due)
    running.handle_sig(signal.SIGINT)
    await asyncio.wait_for(stopped, 5)

    assert RAN == Counter(j=1)
    assert await redis.zscore("arq:queue", "j") is not None
    assert await redis.exists(job_key_prefix + "j") == 1
    assert await redis.get(retry_key_prefix + "j") == b"1"
    lock_ms = await redis.pttl(in_progress_key_prefix + "j")
    assert 0 < lock_ms <= running.in_progress_timeout_s * 1000
    assert running.job_counter == 0  # the slot is back
