"""The HTTP API over real HTTP: the dispatcher ``stack`` (Redis, SQLite or PostgreSQL, a
fake Twilio, the app on a port) plus one API key per role and an HTTP client.

``api.call(method, path, role=..., json=...)`` returns the status and the decoded body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientSession
from sqlalchemy import delete
from twilio.request_validator import RequestValidator

from dispatcher.contactlog.keys import ApiKeyStore, Role
from dispatcher.contactlog.models import ApiKey, AuditRead, Debtor, Pause
from dispatcher.process.worker import DispatcherWorker, create_worker
from tests.dispatcher.conftest import REMINDER, Stack, stack, stack_options  # noqa: F401
from tests.fakes.fixtures import TEST_AUTH_TOKEN

API_TABLES = (AuditRead, Pause, ApiKey, Debtor)

def reminder(**overrides: Any) -> dict[str, Any]:
    """A valid overdue reminder as JSON; override any field."""
    return {**REMINDER, "variables": dict(REMINDER["variables"]), **overrides}


@dataclass
class HttpApi:
    stack: Stack
    http: ClientSession
    base_url: str
    keys: dict[Role, str] = field(default_factory=dict)
    last_twiml: str = ""

    async def call(
        self,
        method: str,
        path: str,
        *,
        role: Role | None = None,
        key: str | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = {}
        secret = key if key is not None else self.keys[role] if role is not None else None
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        async with self.http.request(
            method, self.base_url + path, data=data, headers=headers, params=params
        ) as response:
            raw = await response.read()
            kind = response.headers.get("Content-Type", "")
            body: Any = json.loads(raw) if "json" in kind and raw else raw.decode()
            return response.status, body

    async def enqueue(self, **overrides: Any) -> str:
        status, body = await self.call(
            "POST", "/v1/messages", role=Role.STRATEGY, json_body=reminder(**overrides)
        )
        assert status == 202, body
        return str(body["id"])

    async def inbound(
        self,
        body: str,
        *,
        sender: str = "+12015550123",
        signed: bool = True,
        sid: str | None = None,
    ) -> int:
        """Post an inbound SMS as Twilio would: a new ``MessageSid`` unless ``sid`` is given."""
        url = self.base_url + "/webhooks/twilio/inbound"
        sid = sid or "SM" + uuid.uuid4().hex
        form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid}
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
                url, form
            )
        async with self.http.post(url, data=form, headers=headers) as response:
            self.last_twiml = await response.text()
            return response.status

    def worker(self, **options: Any) -> DispatcherWorker:
        return create_worker(
            self.stack.settings,
            redis_url=self.stack.redis_url,
            clock=self.stack.clock,
            poll_delay=0.002,
            handle_signals=False,
            **options,
        )

    async def run_worker(self, *, horizon_s: float = 1.0) -> None:
        """A real arq worker until no job is due within ``horizon_s``."""
        await self.worker().run_until_idle(horizon_s=horizon_s)

    @contextlib.asynccontextmanager
    async def running_worker(self) -> AsyncIterator[DispatcherWorker]:
        """A worker running in the background for the duration of the block."""
        worker = self.worker()
        task = asyncio.create_task(worker.main())
        try:
            yield worker
        finally:
            await worker.stop_polling(task)
            await worker.close()

    async def status_of(self, message_id: str) -> str:
        return (await self.stack.view(message_id)).status


async def clear_api_tables(on: Stack) -> None:
    async with on.log.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # these tables are append-only (migration 0012)
            await conn.exec_driver_sql("SET LOCAL dispatcher.erasing = 'on'")
        for table in API_TABLES:
            await conn.execute(delete(table))


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[HttpApi]:  # noqa: F811
    await clear_api_tables(stack)
    store = ApiKeyStore(stack.log.engine, stack.clock)
    keys = {
        role: (await store.create(name=f"{role}-1", role=role, created_by="test")).secret
        for role in Role
    }
    async with ClientSession() as http:
        yield HttpApi(stack, http, stack.settings.public_base_url, keys)
    # The PostgreSQL database is shared by the whole session: leave no pause behind.
    await clear_api_tables(stack)
