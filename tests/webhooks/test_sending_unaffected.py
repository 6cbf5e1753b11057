"""A subscriber that is down costs sending nothing: while a deliverer waits on a receiver
that never answers, every message is sent, and the send path touches none of the
events' tables (its own rows are the events' source). Its pace, measured against the
same sends alone, is printed here and measured in ``benchmarks/webhooks_down.py``."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.keys import Role
from dispatcher.webhooks.deliverer import Deliverer
from tests.api.conftest import HttpApi
from tests.webhooks.test_delivery import FAST_RETRIES, until

EVENT_TABLES = re.compile(r"outbound_events|event_sources|webhook_", re.IGNORECASE)
MESSAGES = 12


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {**FAST_RETRIES, "webhook_timeout_s": 30.0}


@contextlib.asynccontextmanager
async def hanging_receiver() -> AsyncIterator[str]:
    """A receiver that accepts each request and never answers."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_post("/hooks", hang)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hooks"
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def statements(excluding: Engine | None = None) -> Iterator[list[str]]:
    """Every SQL statement run in this process meanwhile, but ``excluding``'s."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if excluding is None or conn.engine is not excluding:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def send_all(api: HttpApi, tag: str) -> float:
    started = time.monotonic()
    ids = [
        await api.enqueue(idempotency_key=f"{tag}-{n}", debtor_ref=f"{tag}-{n}")
        for n in range(MESSAGES)
    ]
    await api.run_worker()
    await api.stack.twilio.wait_for_callbacks()
    assert {await api.status_of(i) for i in ids} == {"delivered"}
    return time.monotonic() - started


async def test_sends_go_out_and_touch_no_event_table_while_the_subscriber_hangs(
    api: HttpApi,
) -> None:
    alone_s = await send_all(api, "alone")  # the same sends with no subscription: a baseline
    async with hanging_receiver() as url:
        body = {"name": "down", "url": url, "event_types": ["*"]}
        status, _ = await api.call("POST", "/v1/subscriptions", role=Role.ADMIN, json_body=body)
        assert status == 201
        engine = create_engine(api.stack.settings.effective_database_url)
        stop = asyncio.Event()
        try:
            async with Deliverer(
                engine, api.stack.settings, clock=api.stack.clock, stop_grace_s=0
            ) as deliverer:
                running = asyncio.create_task(deliverer.run(stop))
                # When the same sends run while the deliverer waits on a receiver that hangs
                with statements(excluding=engine.sync_engine) as during:
                    hung_s = await send_all(api, "hung")
                await until(lambda: _requests_in_flight(deliverer))
                stop.set()
                await running
        finally:
            await engine.dispose()
    # Then every message was delivered (send_all checks), meanwhile the deliverer's
    # requests still hung, and sending ran nothing on the events' tables
    assert any("UPDATE MESSAGES" in " ".join(s.upper().split()) for s in during)
    assert not [s for s in during if EVENT_TABLES.search(s)]
    print(f"{MESSAGES} texts: {alone_s:.2f} s alone, {hung_s:.2f} s with a hanging subscriber")


async def _requests_in_flight(deliverer: Deliverer) -> bool:
    return any(not task.done() for task in deliverer._busy.values())
