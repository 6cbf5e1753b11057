"""Same key, same message; same job twice, one send."""

from __future__ import annotations

import asyncio

from dispatcher.pipeline import Pipeline
from dispatcher.queue import job_id_for
from tests.dispatcher.conftest import Stack, reminder


async def test_the_same_idempotency_key_twice_is_one_message_and_one_send(stack: Stack) -> None:
    first = await stack.client.send(reminder(idempotency_key="strategy-run-7:D-1"))
    again = await stack.client.send(reminder(idempotency_key="strategy-run-7:D-1"))

    await stack.run_worker()

    assert again.message_id == first.message_id
    assert (first.created, again.created) == (True, False)
    assert len(stack.twilio.requests) == 1


async def test_a_batch_resent_whole_creates_nothing_new(stack: Stack) -> None:
    batch = [reminder(idempotency_key=f"k-{i}", debtor_ref=f"D-{i}") for i in range(50)]
    first = await stack.client.send_many(batch)
    again = await stack.client.send_many(batch)
    await stack.run_worker()

    assert [a.message_id for a in again] == [a.message_id for a in first]
    assert not any(a.created for a in again)
    assert len(stack.twilio.requests) == 50


async def test_a_job_that_runs_twice_sends_once(stack: Stack) -> None:
    message_id = await stack.send()
    message = await stack.log.get(message_id)
    # A second job for the same message (e.g. the sweep re-enqueued it under another id).
    other_due = message.scheduled_for.replace(microsecond=0)
    await stack.client.redis.enqueue_job(
        "process_message", message_id, _job_id=job_id_for(message_id, other_due) + "-dup"
    )

    await stack.run_worker()

    assert len(stack.twilio.requests) == 1
    sends = [e for e in (await stack.view(message_id)).events if e.status == "sending"]
    assert len(sends) == 1


async def test_two_workers_racing_for_one_message_send_it_once(stack: Stack) -> None:
    message_id = await stack.send()
    deps_list = []
    from arq import create_pool
    from arq.connections import RedisSettings

    from dispatcher.deps import Deps

    redis = await create_pool(RedisSettings.from_dsn(stack.redis_url))
    try:
        for _ in range(8):
            deps_list.append(Deps.build(stack.settings, redis=redis, clock=stack.clock))
        outcomes = await asyncio.gather(
            *(Pipeline(deps).run(message_id, job_try=1) for deps in deps_list)
        )
    finally:
        for deps in deps_list:
            await deps.aclose()
        await redis.aclose()

    assert sorted(outcomes).count("sent via twilio") == 1
    assert len(stack.twilio.requests) == 1
