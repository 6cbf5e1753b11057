"""Webhooks end to end: a real subscriber that is down for a while gets every event once
its port is back (de-duplicated by id: at least once), in order per message, signed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from dispatcher.contactlog.keys import Role
from dispatcher.events.models import OutboundEvent
from dispatcher.webhooks.deliverer import Deliverer
from tests.api.conftest import HttpApi
from tests.webhooks.subscriber import Subscriber

FAST_RETRIES = {
    "webhook_retry_base_s": 0.05,
    "webhook_retry_max_s": 0.2,
    "webhook_poll_s": 0.02,
    "webhook_timeout_s": 2.0,
}


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return dict(FAST_RETRIES)


@pytest.fixture
async def subscriber() -> AsyncIterator[Subscriber]:
    running = await Subscriber().start()
    yield running
    await running.close()


async def subscribe(api: HttpApi, subscriber: Subscriber, **fields: Any) -> dict[str, Any]:
    body = {"name": "crm", "url": subscriber.url, "event_types": ["*"], **fields}
    status, created = await api.call("POST", "/v1/subscriptions", role=Role.ADMIN, json_body=body)
    assert status == 201, created
    subscriber.secrets.append(created["secret"])
    return dict(created)


@contextlib.asynccontextmanager
async def delivering(api: HttpApi) -> AsyncIterator[Deliverer]:
    """A deliverer running in the background, as ``dispatcher webhooks`` runs it."""
    stop = asyncio.Event()
    async with Deliverer(api.stack.log.engine, api.stack.settings, clock=api.stack.clock) as d:
        task = asyncio.create_task(d.run(stop))
        try:
            yield d
        finally:
            stop.set()
            await task


async def until(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


async def journal(api: HttpApi) -> list[tuple[str, str]]:
    async with api.stack.log.engine.connect() as conn:
        rows = await conn.execute(
            select(OutboundEvent.event_id, OutboundEvent.order_key).order_by(OutboundEvent.seq)
        )
        return [(e, k) for e, k in rows]


async def test_a_subscriber_down_for_a_while_gets_every_event_once_back_in_order(
    api: HttpApi, subscriber: Subscriber
) -> None:
    # Given a CRM subscribed to everything, whose server is down
    await subscribe(api, subscriber, role="compliance")
    await subscriber.down()
    async with delivering(api):
        # When texts are sent and a hold is set and lifted while it is down
        for n in range(4):
            await api.enqueue(idempotency_key=f"down-{n}", debtor_ref=f"D-{n}")
        await api.run_worker()
        await api.stack.twilio.wait_for_callbacks()
        hold = {"kind": "dispute", "debtor_ref": "D-0", "reason": "the debtor disputes it"}
        status, _ = await api.call("POST", "/v1/holds", role=Role.COMPLIANCE, json_body=hold)
        assert status in (200, 201), _
        lift = {"kind": "dispute", "debtor_ref": "D-0"}
        status, _ = await api.call("POST", "/v1/holds/lift", role=Role.COMPLIANCE, json_body=lift)
        assert status == 200, _
        await until(lambda: _attempted(api))
        # ... and it comes back a while later
        await asyncio.sleep(0.3)
        await subscriber.up()
        expected = await journal(api)
        await until(lambda: _all_received(subscriber, expected))
    # Then each event arrived (once per id, after de-duplication), in order per message
    ids = subscriber.ids()
    assert sorted(ids) == sorted(e for e, _ in expected)
    arrived_by_key: dict[str, list[str]] = defaultdict(list)
    logged_by_key: dict[str, list[str]] = defaultdict(list)
    position = {event_id: i for i, event_id in enumerate(ids)}
    for event_id, key in expected:
        logged_by_key[key].append(event_id)
    for key, events in logged_by_key.items():
        arrived_by_key[key] = sorted(events, key=position.__getitem__)
    assert arrived_by_key == logged_by_key
    kinds = {r.body["type"] for r in subscriber.received}
    assert {"message.queued", "message.sent", "message.delivered"} <= kinds
    assert {"hold.set", "hold.lifted"} <= kinds
    assert subscriber.refused == 0
    assert all(r.body["id"] == r.webhook_id for r in subscriber.received)


async def _attempted(api: HttpApi) -> bool:
    status, attempts = await api.call("GET", "/v1/subscriptions/1/attempts", role=Role.ADMIN)
    return status == 200 and any(a["status"] is None for a in attempts["items"])


async def _all_received(subscriber: Subscriber, expected: list[tuple[str, str]]) -> bool:
    return {e for e, _ in expected} <= set(subscriber.ids())


async def test_a_deliverer_stopped_mid_request_leaves_it_to_the_next_with_the_same_id(
    api: HttpApi, subscriber: Subscriber
) -> None:
    # Given a receiver that takes its time to answer
    await subscribe(api, subscriber, event_types=["message.queued"])
    subscriber.delay_s = 1.0
    await api.enqueue(idempotency_key="crash")
    engine, settings, clock = api.stack.log.engine, api.stack.settings, api.stack.clock
    # When the deliverer is stopped with no grace while its request is out (as a crash)
    async with Deliverer(engine, settings, clock=clock, stop_grace_s=0) as first:
        ticking = asyncio.create_task(first.tick())
        await until(lambda: _got(subscriber))
    assert ticking.cancelled() or ticking.done()
    # Then the next deliverer sends it again, with the same webhook-id, and records it
    subscriber.delay_s = 0
    async with Deliverer(engine, settings, clock=clock) as second:
        assert await second.tick() == 1
    [once, again] = subscriber.received
    assert once.webhook_id == again.webhook_id
    status, shown = await api.call("GET", "/v1/subscriptions/1", role=Role.ADMIN)
    assert (status, shown["deliveries"]) == (200, {"pending": 0, "delivered": 1, "dead": 0})


async def _got(subscriber: Subscriber) -> bool:
    return bool(subscriber.received)
