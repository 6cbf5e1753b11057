"""A pause parks what it covers (no job re-checks it) and its resume releases exactly that,
once: nothing is lost, nothing is sent while paused, nothing is sent twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from arq.constants import default_queue_name
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Message, MessageEvent, Pause
from dispatcher.pauses.state import PauseStore, still_paused
from tests.api.conftest import HttpApi
from tests.dispatcher.conftest import reminder as python_reminder

A = Role.ADMIN


async def pause(api: HttpApi, **body: str) -> int:
    status, answer = await api.call("POST", "/v1/pause", role=A, json_body={"reason": "x", **body})
    assert status == 201, answer
    return int(answer["id"])


async def resume(api: HttpApi, **body: str) -> None:
    status, answer = await api.call("POST", "/v1/resume", role=A, json_body=body)
    assert status == 200 and answer["lifted"], answer


async def parked(api: HttpApi, ids: list[str]) -> dict[str, int | None]:
    async with api.stack.log.engine.connect() as conn:
        rows = await conn.execute(select(Message.id, Message.parked_by).where(Message.id.in_(ids)))
        return {message_id: parked_by for message_id, parked_by in rows}


async def events(api: HttpApi, ids: list[str]) -> Counter[tuple[str, str]]:
    async with api.stack.log.engine.connect() as conn:
        rows = await conn.execute(
            select(MessageEvent.message_id, MessageEvent.status).where(
                MessageEvent.message_id.in_(ids)
            )
        )
        return Counter((message_id, status) for message_id, status in rows)


async def due_jobs(api: HttpApi, within_s: float) -> int:
    client = aioredis.Redis.from_url(api.stack.redis_url)
    try:
        horizon_ms = (time.time() + within_s) * 1000
        return int(await client.zcount(default_queue_name, "-inf", horizon_ms))
    finally:
        await client.aclose()


async def test_paused_messages_park_and_each_goes_once_when_resumed(api: HttpApi) -> None:
    pause_id = await pause(api, scope="all")
    ids = [await api.enqueue(debtor_ref=f"D-{i}", idempotency_key=f"k{i}") for i in range(12)]

    await api.run_worker()

    assert api.stack.twilio.requests == []
    assert await parked(api, ids) == {message_id: pause_id for message_id in ids}
    assert await due_jobs(api, within_s=3600) == 0  # no job re-checks them: parked
    await api.run_worker(horizon_s=3.0)  # a worker finds nothing to do, and changes nothing
    seen = await events(api, ids)
    assert all(seen[(m, "queued")] == 1 and seen[(m, "deferred")] == 1 for m in ids), seen

    await resume(api, scope="all")
    await api.run_worker()

    assert len(api.stack.twilio.requests) == len(ids)
    assert await parked(api, ids) == {message_id: None for message_id in ids}
    seen = await events(api, ids)
    for message_id in ids:
        assert await api.status_of(message_id) in {"sent", "delivered"}
        assert seen[(message_id, "queued")] == 2  # accepted, then released
        assert seen[(message_id, "sending")] == 1  # claimed once


async def test_a_release_under_a_second_pause_parks_again_and_sends_nothing(api: HttpApi) -> None:
    campaign = await pause(api, scope="campaign", target="nov-run")
    in_campaign = [
        await api.enqueue(idempotency_key=f"c{i}", campaign="nov-run", debtor_ref=f"D-{i}")
        for i in range(3)
    ]
    other = await api.enqueue(idempotency_key="o", campaign="dec-run", debtor_ref="D-9")
    await api.run_worker()
    assert await api.status_of(other) in {"sent", "delivered"}
    assert await parked(api, in_campaign) == dict.fromkeys(in_campaign, campaign)

    everything = await pause(api, scope="all")
    await asyncio.sleep(0.6)  # the workers' view of the pauses is at most 0.5 s old
    await resume(api, scope="campaign", target="nov-run")  # released, but all is paused
    await api.run_worker()

    assert len(api.stack.twilio.requests) == 1  # only the other campaign's
    assert await parked(api, in_campaign) == dict.fromkeys(in_campaign, everything)

    await resume(api, scope="all")
    await api.run_worker()
    assert len(api.stack.twilio.requests) == 1 + len(in_campaign)
    for message_id in in_campaign:
        assert await api.status_of(message_id) in {"sent", "delivered"}


async def test_a_lifted_pause_parks_nothing(engine: AsyncEngine) -> None:
    """A worker whose view of the pauses is stale defers (and re-checks) rather than parks."""
    store = PauseStore(engine, FrozenClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)))
    record, _ = await store.pause(scope="all", target=None, reason="drill", by="admin")
    async with engine.begin() as conn:
        assert await still_paused(conn, record.id)
    await store.resume(scope="all", target=None, by="admin", reason=None)
    async with engine.begin() as conn:
        assert not await still_paused(conn, record.id)


async def test_a_resume_in_progress_is_not_waited_for_and_parks_nothing(
    engine: AsyncEngine,
) -> None:
    """PostgreSQL: while a resume holds the pause's row, a worker neither waits for it nor
    parks under it (a resume that comes after a parking waits for it, then releases it)."""
    store = PauseStore(engine, FrozenClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)))
    record, _ = await store.pause(scope="all", target=None, reason="drill", by="admin")
    if engine.dialect.name != "postgresql":  # one writer at a time: nothing can overlap
        async with engine.begin() as conn:
            assert await still_paused(conn, record.id)
        return
    async with engine.connect() as lifting:
        resuming = await lifting.begin()
        await lifting.execute(update(Pause).where(Pause.id == record.id).values(lifted_by="a"))
        async with engine.begin() as conn:
            answer = await asyncio.wait_for(still_paused(conn, record.id), timeout=5)
        await resuming.rollback()
    assert answer is False  # not waited for (the timeout), and no parking under it


async def test_a_message_parked_past_its_validity_is_blocked_as_expired(api: HttpApi) -> None:
    await pause(api, scope="all")
    valid_until = api.stack.clock.now() + timedelta(seconds=3)
    accepted = await api.stack.client.send(python_reminder(valid_until=valid_until))
    await api.run_worker()
    assert await api.status_of(accepted.message_id) == "deferred"  # parked

    await api.run_worker(horizon_s=5.0)  # its one wake-up: at the end of its validity

    message = (await api.stack.view(accepted.message_id)).message
    assert message["status"] == "blocked"
    assert message["verdict"]["rule_id"] == "message.expired"
    assert api.stack.twilio.requests == []
