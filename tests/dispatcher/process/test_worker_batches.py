"""The worker starts the jobs it has room for in one Redis round trip and finishes the
jobs ending together in one, and runs each as arq would: once, with its try, to its end."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from arq import Retry, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import job_key_prefix, retry_key_prefix
from arq.worker import RetryJob

from dispatcher.process.worker import DispatcherWorker

RAN: Counter[str] = Counter()
TRIES: dict[str, list[int]] = {}
RUNNING = {"now": 0, "most": 0}
# Jobs that end together: each waits until this many are running (else a 10 ms sleep, whose
# wake-ups spread over several loop turns on a loaded machine).
TOGETHER: dict[str, Any] = {"count": 0, "all_running": None}


async def note(ctx: dict[str, Any], name: str) -> str:
    RAN[name] += 1
    TRIES.setdefault(name, []).append(ctx["job_try"])
    RUNNING["now"] += 1
    RUNNING["most"] = max(RUNNING["most"], RUNNING["now"])
    try:
        if TOGETHER["count"]:
            if RUNNING["now"] == TOGETHER["count"]:
                TOGETHER["all_running"].set()
            await TOGETHER["all_running"].wait()
        else:
            await asyncio.sleep(0.01)
    finally:
        RUNNING["now"] -= 1
    if name == "once-more" and ctx["job_try"] == 1:
        raise RetryJob  # run again, as a cancelled job is
    if name == "later" and ctx["job_try"] == 1:
        raise Retry(defer=0.05)
    if name == "broken":
        raise ValueError("broken")
    return name


@pytest.fixture(autouse=True)
def forget() -> None:
    RAN.clear()
    TRIES.clear()
    RUNNING.update(now=0, most=0)
    TOGETHER.update(count=0, all_running=None)


def worker(redis: ArqRedis, **options: Any) -> DispatcherWorker:
    # ctx "deps": what run_until_idle waits for (the dispatcher's start-up builds it)
    return DispatcherWorker(
        functions=[func(note, name="note")], redis_pool=redis, ctx={"deps": None},
        keep_result=0, poll_delay=0.01, handle_signals=False, max_tries=3, **options,
    )  # fmt: skip


def count_scripts_and_transactions(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Claims that took jobs, and MULTI/EXECs, counted where they go on the wire."""
    counts: Counter[str] = Counter()
    from redis.asyncio.client import Pipeline
    from redis.commands.core import AsyncScript

    script_call, execute = AsyncScript.__call__, Pipeline.execute

    async def counted_script(self: AsyncScript, *args: Any, **kwargs: Any) -> Any:
        taken = await script_call(self, *args, **kwargs)
        counts["claims that took jobs"] += bool(taken[1])  # (looked, taken)
        return taken

    async def counted_execute(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        counts["transactions"] += 1
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(AsyncScript, "__call__", counted_script)
    monkeypatch.setattr(Pipeline, "execute", counted_execute)
    return counts


async def test_forty_due_jobs_start_in_one_round_trip_and_end_in_a_few(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    for i in range(40):
        await redis.enqueue_job("note", f"job-{i}", _job_id=f"job-{i}")
    counts = count_scripts_and_transactions(monkeypatch)
    TOGETHER.update(count=40, all_running=asyncio.Event())
    running = worker(redis, max_jobs=50)

    await running.run_until_idle()

    assert RAN == Counter({f"job-{i}": 1 for i in range(40)})
    assert all(tries == [1] for tries in TRIES.values())
    assert running.jobs_complete == 40
    assert counts["claims that took jobs"] == 1  # all in one (the first poll found them all)
    assert counts["transactions"] <= 4  # ended together (arq: one each, and one to start)
    for i in range(40):  # finished as arq finishes them: nothing of the job left
        assert not await redis.exists(job_key_prefix + f"job-{i}", retry_key_prefix + f"job-{i}")


async def test_a_full_worker_takes_more_as_slots_free_up_never_more_than_it_may(
    redis_url: str,
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    for i in range(30):
        await redis.enqueue_job("note", f"job-{i}", _job_id=f"job-{i}")
    running = worker(redis, max_jobs=4)

    await running.run_until_idle()

    assert RAN == Counter({f"job-{i}": 1 for i in range(30)})
    assert RUNNING["most"] == 4
    assert running.job_counter == 0


async def test_jobs_run_again_put_back_or_failed_end_as_arq_ends_them(redis_url: str) -> None:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    for name in ("once-more", "later", "broken", "fine"):
        await redis.enqueue_job("note", name, _job_id=name)
    running = worker(redis, max_jobs=10)

    await running.run_until_idle(horizon_s=1.0)

    assert TRIES == {"once-more": [1, 2], "later": [1, 2], "broken": [1], "fine": [1]}
    assert (running.jobs_complete, running.jobs_failed, running.jobs_retried) == (3, 1, 2)


async def test_jobs_arq_must_handle_itself_get_their_try_back_first(redis_url: str) -> None:
    """Tries used up, or a function this worker does not have: arq's run_job decides, and
    counts the try once (the claim's count is given back)."""
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    await redis.enqueue_job("note", "spent", _job_id="spent")
    await redis.set(retry_key_prefix + "spent", 3)  # max_tries=3: this would be the 4th
    await redis.enqueue_job("unknown", _job_id="unknown")
    running = worker(redis, max_jobs=10)

    await running.run_until_idle()

    assert RAN == Counter()  # neither ran
    assert running.jobs_failed == 2
    assert not await redis.exists(job_key_prefix + "spent", job_key_prefix + "unknown")
