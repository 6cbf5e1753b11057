"""Twilio misconfiguration is loud: credentials Twilio refuses make /healthz degraded and
are logged at ERROR; half-set Twilio settings stop the worker and the server at start.

The real SDK asks the fake Twilio for our account, as it would ask Twilio.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from arq import create_pool
from arq.connections import RedisSettings

from dispatcher.errors import InvalidRequest
from dispatcher.process.deps import Deps
from dispatcher.settings import Secret, Settings
from dispatcher.web import create_app
from tests.dispatcher.conftest import free_port
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

Health = tuple[int, dict[str, Any]]
Server = Callable[..., AbstractAsyncContextManager[Callable[[], Any]]]


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Server:
    """``async with server(token=..., base_url=...) as healthz``: a real server on a port."""

    @asynccontextmanager
    async def serve(*, token: str, base_url: str) -> AsyncIterator[Callable[[], Any]]:
        settings = Settings.from_env(
            {}, data_dir=tmp_path, redis_url=redis_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'log.sqlite'}",
            twilio_account_sid=TEST_ACCOUNT_SID, twilio_auth_token=Secret(token),
            twilio_from_number=TEST_FROM_NUMBER, twilio_api_base_url=base_url,
        )  # fmt: skip
        redis = await create_pool(RedisSettings.from_dsn(redis_url))
        deps = Deps.build(settings, redis=redis, channels={})
        runner = web.AppRunner(create_app(deps), access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()

        async def healthz() -> Health:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as response,
            ):
                return response.status, await response.json()

        try:
            yield healthz
        finally:
            await runner.cleanup()
            await deps.aclose()
            await redis.aclose()

    return serve


async def test_accepted_credentials_keep_health_ok(server: Server) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as twilio:
        async with server(token=TEST_AUTH_TOKEN, base_url=twilio.base_url) as healthz:
            first = await healthz()
            second = await healthz()

        assert first == (200, {"status": "ok", "checks": {
            "database": "ok", "redis": "ok", "twilio": "ok"}})  # fmt: skip
        assert second == first
        assert len(twilio.account_fetches) == 1  # asked once, then the answer is reused
        assert twilio.requests == []  # no message was created to find out


async def test_refused_credentials_degrade_health_and_are_logged_at_error(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as twilio:
        async with server(token="a-wrong-token-0123456789abcdef", base_url=twilio.base_url) as hz:
            status, health = await hz()

    assert status == 503
    assert health["status"] == "degraded"
    assert health["checks"]["twilio"] == "credentials refused (20003)"
    assert health["checks"]["database"] == health["checks"]["redis"] == "ok"
    errors = [r for r in caplog.records if r.name == "channels.twilio.credentials"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert "TWILIO_AUTH_TOKEN" in errors[0].getMessage()
    assert "a-wrong-token" not in caplog.text


async def test_twilio_unreachable_is_unverified_not_degraded(server: Server) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    async with server(token=TEST_AUTH_TOKEN, base_url=nobody) as healthz:
        status, health = await healthz()

    assert status == 200
    assert health["checks"]["twilio"] == "unverified (network)"


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN},
         "TWILIO_FROM_NUMBER"),
        ({"TWILIO_FROM_NUMBER": TEST_FROM_NUMBER}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32}, "TWILIO_ACCOUNT_SID"),
    ],
)  # fmt: skip
def test_half_set_twilio_settings_are_refused_naming_the_missing_one(
    given: dict[str, str], named: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        Settings.from_env(given)
    assert str(refused.value).startswith(f"{named}: not set")


def test_all_or_none_of_twilio_is_accepted() -> None:
    assert not Settings.from_env({}).twilio_configured
    full = {
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
    }
    assert Settings.from_env(full).twilio_configured


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_the_worker_and_the_server_do_not_start_half_configured(
    command: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "REDIS_URL"))}
    env["TWILIO_ACCOUNT_SID"] = TEST_ACCOUNT_SID

    done = subprocess.run(
        [sys.executable, "-m", "dispatcher", command], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dispatcher: TWILIO_AUTH_TOKEN: not set, but TWILIO_ACCOUNT_SID is: set both, or neither"
    ]
