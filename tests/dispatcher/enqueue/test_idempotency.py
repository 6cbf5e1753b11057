"""Same key, same message; same job twice, one send."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from dispatcher.contactlog.models import Message
from dispatcher.errors import IdempotencyConflict
from dispatcher.sending.pipeline import Pipeline
from dispatcher.sending.queue import job_id_for
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

    from dispatcher.process.deps import Deps

    redis = await create_pool(RedisSettings.from_dsn(stack.redis_url))
    try:
        for _ in range(8):
            deps_list.append(Deps.build(stack.settings, redis=redis, clock=stack.clock))
        outcomes = await asyncio.gather(
            *(Pipeline(deps).run(message_id) for deps in deps_list)
        )
    finally:
        for deps in deps_list:
            await deps.aclose()
        await redis.aclose()

    assert sorted(outcomes).count("sent via twilio") == 1
    assert len(stack.twilio.requests) == 1


async def test_a_key_reused_for_another_request_is_refused_and_nothing_written(
    stack: Stack,
) -> None:
    first = await stack.client.send(reminder(idempotency_key="run-8:D-1"))
    other = reminder(idempotency_key="run-8:D-1", debtor_ref="D-2")

    with pytest.raises(IdempotencyConflict) as refused:
        await stack.client.send(other)

    (problem,) = refused.value.problems
    assert problem.field == "idempotency_key"
    assert "'run-8:D-1' was used for a different request" in problem.problem
    assert first.message_id in problem.problem
    view = await stack.view(first.message_id)
    assert view.message["debtor_ref"] == "D-1"


async def test_a_batch_with_one_reused_key_is_refused_whole(stack: Stack) -> None:
    await stack.client.send(reminder(idempotency_key="k-1", debtor_ref="D-1"))
    amounts = reminder().variables | {"amount": "9999.00"}
    batch = [
        reminder(idempotency_key="k-0", debtor_ref="D-0"),
        reminder(idempotency_key="k-1", debtor_ref="D-1", variables=amounts),
    ]

    with pytest.raises(IdempotencyConflict) as refused:
        await stack.client.send_many(batch)

    assert [p.index for p in refused.value.problems] == [1]
    async with stack.log.engine.connect() as conn:
        keys = set((await conn.execute(select(Message.idempotency_key))).scalars())
    assert keys == {"k-1"}  # k-0 was not written either
