"""Nothing committed is lost: Redis down at enqueue, or a worker dying mid-send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from dispatcher.client import DispatcherClient
from dispatcher.domain import PENDING, EventSource, MessageStatus
from dispatcher.process.deps import Deps
from dispatcher.sweep import sweep
from tests.dispatcher.conftest import Stack, free_port, reminder


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"auto_callbacks": False, "sweep_grace_s": 0.0, "sending_timeout_s": 0.0}


async def run_sweep(stack: Stack) -> str:
    redis = await create_pool(RedisSettings.from_dsn(stack.redis_url))
    deps = Deps.build(stack.settings, redis=redis, clock=stack.clock, channels={})
    try:
        return await sweep({"deps": deps})
    finally:
        await deps.aclose()
        await redis.aclose()


async def test_a_message_committed_while_redis_was_down_is_sent_after_the_sweep(
    stack: Stack,
) -> None:
    # Given a client whose Redis is unreachable at the moment of enqueue
    unreachable = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    client = DispatcherClient(stack.settings, contact_log=stack.log, redis=unreachable)  # type: ignore[arg-type]

    # When a message is enqueued, it is committed all the same, with no job
    accepted = await client.send(reminder())
    assert accepted.created
    assert await stack.client.queue.depth() == 0

    # Then the sweep (run by every worker at start-up, then periodically) finds it
    await stack.run_worker()
    assert (await stack.view(accepted.message_id)).status == "sent"
    assert len(stack.twilio.requests) == 1
    await unreachable.aclose()


async def test_the_sweep_does_not_duplicate_jobs_already_queued(stack: Stack) -> None:
    await stack.send()
    await run_sweep(stack)
    await run_sweep(stack)
    assert await stack.client.queue.depth() == 1


async def test_a_message_left_sending_by_a_crash_is_never_resent(stack: Stack) -> None:
    # Given a worker that claimed a message, then died before recording the outcome
    message_id = await stack.send()
    claimed = await stack.log.transition(
        message_id, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER
    )
    assert claimed

    # When its job is retried and the sweep runs (past the sending timeout)
    await stack.run_worker()

    # Then nothing is sent again, and the message is recorded as unknown: it may have gone
    assert len(stack.twilio.requests) == 0
    message = (await stack.view(message_id)).message
    assert (message["status"], message["error_code"]) == ("unknown", "outcome_unknown")


async def test_a_crash_after_twilio_took_the_text_is_settled_as_sent(stack: Stack) -> None:
    # Given a text Twilio took, whose worker died before recording it (left "sending")
    message_id = await stack.send()
    await stack.run_worker()
    sid = (await stack.view(message_id)).message["provider_message_id"]
    await stack.log.transition(
        message_id, expect={MessageStatus.SENT, MessageStatus.DELIVERED},
        to=MessageStatus.SENDING, source=EventSource.WORKER, provider_message_id=None,
    )  # fmt: skip

    # When the sweep finds it stuck, it asks Twilio instead of giving up
    await stack.sweep()

    view = await stack.view(message_id)
    assert (view.status, view.message["provider_message_id"]) == ("sent", sid)
    assert view.events[-1].detail["reconciled"].startswith("found at the provider")
    assert len([r for r in stack.twilio.requests if r.method == "POST"]) == 1  # never resent


async def test_a_crash_before_twilio_took_the_text_queues_it_again(stack: Stack) -> None:
    # Given a text claimed for sending, whose worker died before calling Twilio
    message_id = await stack.send()
    claimed = await stack.log.transition(
        message_id, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER,
        content="Hello", attempted_at=stack.clock.now(),
    )  # fmt: skip
    assert claimed

    # When the sweep asks Twilio, which has no such text, it is queued again and then sent
    await stack.sweep()
    assert (await stack.view(message_id)).status == "queued"
    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status in {"sent", "delivered"}
    assert len([r for r in stack.twilio.requests if r.method == "POST"]) == 1  # sent once
    assert any(e.detail.get("reconciled", "").startswith("the provider never took it")
               for e in view.events)  # fmt: skip


async def test_a_late_callback_settles_an_unknown_outcome(stack: Stack) -> None:
    message_id = await stack.send()
    await stack.run_worker()
    sid = (await stack.view(message_id)).message["provider_message_id"]
    # the worker crashed after the send; the sweep recorded it as unknown
    await stack.log.transition(
        message_id, expect={MessageStatus.SENT}, to=MessageStatus.SENDING,
        source=EventSource.WORKER,
    )
    await run_sweep(stack)

    await stack.twilio.send_status_callback(sid, "delivered")

    message = (await stack.view(message_id)).message
    assert message["status"] == "delivered"
    assert message["error_code"] is None


async def test_a_message_scheduled_for_later_waits(stack: Stack) -> None:
    later = stack.clock.now() + timedelta(hours=1)
    message_id = await stack.send(send_after=later)

    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status == "queued"
    assert view.message["scheduled_for"] == later
    assert len(stack.twilio.requests) == 0
