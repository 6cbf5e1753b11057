"""A whole dispatcher on real parts: Redis, a database, the webhook server, a fake Twilio.

``stack`` gives a test the strategy module's client, a way to run a real arq worker
until the queue is empty, and the fake Twilio that records what it was sent and
calls back, signed, to the running webhook server.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.base import Channel
from dispatcher.client import DispatcherClient, MessageView
from dispatcher.clock import Clock, ShiftedClock
from dispatcher.contactlog.store import ContactLog
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.process.deps import Deps
from dispatcher.process.worker import create_worker
from dispatcher.settings import Secret, Settings
from dispatcher.sweep import sweep
from dispatcher.web import create_app
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

ALLOWED_EVERYWHERE = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # a Monday


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# A valid overdue reminder to a New York number, as the strategy module would ask for it.
REMINDER: dict[str, Any] = {
    "channel": "sms",
    "template": "overdue_reminder",
    "locale": "en-US",
    "destination": "+1 201 555 0123",
    "debtor_ref": "D-1",
    "account_ref": "A-1",
    "variables": {
        "company_name": "Harbor Recovery",
        "debtor_name": "Maria Garcia",
        "amount": "1240.00",
        "currency": "USD",
        "due_date": "2026-11-15",
        "days_overdue": 13,
        "contact_phone": "(800) 555-0199",
    },
}


def reminder(**overrides: Any) -> MessageRequest:
    """A valid overdue reminder to a US number; override any field."""
    fields = {**REMINDER, "variables": dict(REMINDER["variables"])}
    fields.update(overrides)
    return MessageRequest(**fields)


@dataclass
class Stack:
    settings: Settings
    client: DispatcherClient
    twilio: FakeTwilio
    redis_url: str
    clock: Clock
    channels: dict[str, Channel] | None = None

    @property
    def log(self) -> ContactLog:
        return self.client.log

    async def run_worker(self, **options: Any) -> None:
        """Run a real arq worker until the queue is empty."""
        worker = create_worker(
            self.settings,
            redis_url=self.redis_url,
            clock=self.clock,
            channels=self.channels,
            poll_delay=0.002,
            handle_signals=False,
            **options,
        )
        await worker.run_until_idle(horizon_s=1.0)  # wait out the tests' short retry backoffs

    async def sweep(self, **settings: Any) -> str:
        """The sweep as a worker runs it, with the channels (so it can ask the provider);
        ``settings`` override the stack's for this sweep."""
        redis = await create_pool(RedisSettings.from_dsn(self.redis_url))
        deps = Deps.build(
            dataclasses.replace(self.settings, **settings), redis=redis, clock=self.clock,
            channels=self.channels,
        )  # fmt: skip
        try:
            return await sweep({"deps": deps})
        finally:
            await deps.aclose()
            await redis.aclose()

    async def send(self, **overrides: Any) -> str:
        return (await self.client.send(reminder(**overrides))).message_id

    async def view(self, message_id: str) -> MessageView:
        return await self.client.get(message_id)


def stack_settings(tmp_path: Path, database_url: str, redis_url: str, **extra: Any) -> Settings:
    return Settings.from_env(
        {},
        data_dir=tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        public_base_url=f"http://127.0.0.1:{free_port()}",
        twilio_account_sid=TEST_ACCOUNT_SID,
        twilio_auth_token=Secret(TEST_AUTH_TOKEN),
        twilio_from_number=TEST_FROM_NUMBER,
        retry_backoff_s=0.01,
        **extra,
    )


@pytest.fixture
def stack_options() -> dict[str, Any]:
    """Override in a test module to change settings or the fake's behaviour."""
    return {}


@pytest.fixture
async def stack(
    tmp_path: Path,
    engine: AsyncEngine,
    database_url: str,
    redis_url: str,
    stack_options: dict[str, Any],
) -> AsyncIterator[Stack]:
    options = dict(stack_options)
    auto_callbacks = options.pop("auto_callbacks", True)
    # 08:30 in New York and 21:30 in Beijing: inside both countries' allowed hours.
    clock: Clock = options.pop("clock", ShiftedClock(ALLOWED_EVERYWHERE))
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, auto_callbacks=auto_callbacks) as fake:
        fake.now = clock.now  # Twilio's records carry the test's time, like ours
        settings = stack_settings(
            tmp_path, database_url, redis_url, twilio_api_base_url=fake.base_url, **options
        )
        server_redis = await create_pool(RedisSettings.from_dsn(redis_url))
        server_deps = Deps.build(settings, redis=server_redis, clock=clock, channels={})
        runner = web.AppRunner(create_app(server_deps), access_log=None)
        await runner.setup()
        port = int(settings.public_base_url.rsplit(":", 1)[1])
        await web.TCPSite(runner, "127.0.0.1", port).start()
        client = await DispatcherClient.connect(settings, redis_url=redis_url, clock=clock)
        try:
            yield Stack(settings, client, fake, redis_url, clock)
        finally:
            await fake.wait_for_callbacks()
            await client.aclose()
            await runner.cleanup()
            await server_deps.aclose()
            await server_redis.aclose()
