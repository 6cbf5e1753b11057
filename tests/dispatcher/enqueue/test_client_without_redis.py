"""Redis down is never a reason to refuse: a client connected while nothing listens at its
Redis URL commits a batch (with a warning), and a worker's sweep sends it later; the
same client enqueues again by itself once Redis answers."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from dispatcher.client import DispatcherClient
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.process.embedded_redis import EmbeddedRedis
from dispatcher.sending.queue import JobQueue
from tests.dispatcher.conftest import Stack, free_port, reminder

BATCH = 5


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"sweep_grace_s": 0.0}  # the sweep enqueues what is due at once


def batch(prefix: str) -> list[MessageRequest]:
    return [
        reminder(
            idempotency_key=f"{prefix}-{i}",
            debtor_ref=f"D-{prefix}-{i}",
            destination=f"+1 201 555 01{i:02d}",
        )
        for i in range(BATCH)
    ]


async def test_a_client_connected_while_redis_is_down_commits_and_the_sweep_sends(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a client connected to a Redis URL where nothing listens
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        client = await DispatcherClient.connect(
            stack.settings, redis_url=nowhere, clock=stack.clock
        )
    connect_s = time.monotonic() - started

    # When it sends a batch
    with caplog.at_level(logging.WARNING):
        async with client:
            accepted = await client.send_many(batch("down"))

    # Then the batch is committed, queued, with no job, and the warnings say so
    assert connect_s < 1.0
    assert [a.created for a in accepted] == [True] * BATCH
    assert {(await stack.view(a.message_id)).status for a in accepted} == {"queued"}
    assert await stack.client.queue.depth() == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unreachable" in w for w in warnings)
    assert any(f"{BATCH} messages committed, waiting for the sweep" in w for w in warnings)

    # And a worker on the real Redis (its start-up sweep) sends every one, once
    await stack.run_worker()
    assert {(await stack.view(a.message_id)).status for a in accepted} <= {"sent", "delivered"}
    assert len(stack.twilio.requests) == BATCH


async def test_the_client_enqueues_again_once_redis_answers(stack: Stack, tmp_path: Path) -> None:
    # Given a client whose Redis (a unix socket) is not there yet
    later = EmbeddedRedis(tmp_path / "redis-later")
    client = await DispatcherClient.connect(stack.settings, redis_url=later.url, clock=stack.clock)
    async with client:
        await client.send_many(batch("before"))

        # When Redis starts, the same client's next send reaches it
        with later:
            accepted = await client.send_many(batch("after"))
            queue = JobQueue(Redis.from_url(later.url))
            depth = await queue.depth()
            await queue.redis.aclose()

    # Then the new batch has its jobs; the earlier one waits for a sweep, in the log
    assert [a.created for a in accepted] == [True] * BATCH
    assert depth == BATCH
