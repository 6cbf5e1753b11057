"""A server started while Redis is down serves all the same: it commits what it is sent
(the sweep enqueues it later) and says ``degraded`` in /healthz, naming Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from dispatcher.contactlog.keys import Role
from dispatcher.process.deps import Deps
from dispatcher.process.redis_pool import COMMAND_TIMEOUT_S, lazy_redis
from dispatcher.web import create_app
from tests.api.conftest import HttpApi, reminder
from tests.dispatcher.conftest import free_port


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"sweep_grace_s": 0.0}  # the sweep enqueues what is due at once


@pytest.fixture
async def api_without_redis(api: HttpApi) -> AsyncIterator[HttpApi]:
    """A second server on the same contact log, built as ``serve`` builds it, whose Redis
    URL has nothing listening."""
    redis = lazy_redis(f"redis://127.0.0.1:{free_port()}/0", command_timeout_s=COMMAND_TIMEOUT_S)
    deps = Deps.build(api.stack.settings, redis=redis, clock=api.stack.clock, channels={})
    runner = web.AppRunner(create_app(deps), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield HttpApi(api.stack, api.http, f"http://127.0.0.1:{port}", api.keys)
    finally:
        await runner.cleanup()
        await deps.aclose()
        await redis.aclose()


async def test_a_server_without_redis_commits_and_the_sweep_sends(
    api: HttpApi, api_without_redis: HttpApi
) -> None:
    status, health = await api_without_redis.call("GET", "/healthz")
    assert status == 503
    assert health["status"] == "degraded"
    assert health["checks"]["database"] == "ok"
    assert health["checks"]["redis"].startswith("error")

    status, body = await api_without_redis.call(
        "POST", "/v1/messages", role=Role.STRATEGY, json_body=reminder(idempotency_key="r-down")
    )
    assert status == 202, body
    assert await api.status_of(body["id"]) == "queued"

    await api.run_worker()  # a worker on the real Redis: its start-up sweep
    assert await api.status_of(body["id"]) in {"sent", "delivered"}
    assert len(api.stack.twilio.requests) == 1


async def test_metrics_still_answer_from_the_contact_log_without_redis(
    api: HttpApi, api_without_redis: HttpApi
) -> None:
    await api_without_redis.call(
        "POST", "/v1/messages", role=Role.STRATEGY, json_body=reminder(idempotency_key="m-down")
    )
    async with api.http.get(f"{api_without_redis.base_url}/metrics") as response:
        status, text = response.status, await response.text()

    assert status == 200
    assert "dispatcher_redis_up 0" in text
    assert 'dispatcher_messages_accepted_total{channel="sms"}' in text
    assert "\ndispatcher_queue_depth " not in text  # no figure rather than a wrong one
