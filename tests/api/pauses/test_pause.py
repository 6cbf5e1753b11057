"""Emergency pause: paused messages wait (deferred, not lost), none is sent while paused,
they go when resumed; a running worker stops sending within a second; who, when and why
is logged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi, reminder

A = Role.ADMIN


async def wait_for(check: Callable[[], Awaitable[bool]], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_paused_messages_wait_and_go_when_resumed(api: HttpApi) -> None:
    status, pause = await api.call(
        "POST", "/v1/pause", role=A, json_body={"scope": "all", "reason": "wrong amounts sent"}
    )
    assert status == 201
    assert (pause["paused_by"], pause["reason"], pause["active"]) == (
        "admin:admin-1",
        "wrong amounts sent",
        True,
    )
    ids = [await api.enqueue(debtor_ref=f"D-{i}", idempotency_key=f"p{i}") for i in range(5)]

    await api.run_worker()

    assert api.stack.twilio.requests == []
    for message_id in ids:
        _, message = await api.call("GET", f"/v1/messages/{message_id}", role=Role.COMPLIANCE)
        assert message["status"] == "deferred"
        assert message["verdict"]["rule_id"] == "operations.pause"
        assert "paused by admin:admin-1" in message["verdict"]["reason"]

    status, resumed = await api.call(
        "POST", "/v1/resume", role=A, json_body={"scope": "all", "reason": "amounts fixed"}
    )
    assert status == 200 and [p["id"] for p in resumed["lifted"]] == [pause["id"]]
    await api.run_worker(horizon_s=3.0)  # the deferred jobs come due 2 s after their check

    assert sorted(r.form["To"] for r in api.stack.twilio.requests) == ["+12015550123"] * 5
    for message_id in ids:
        assert await api.status_of(message_id) in {"sent", "delivered"}

    _, listed = await api.call("GET", "/v1/pauses", role=Role.COMPLIANCE)
    (logged,) = listed["items"]
    assert (logged["paused_by"], logged["lifted_by"], logged["lift_reason"]) == (
        "admin:admin-1",
        "admin:admin-1",
        "amounts fixed",
    )
    assert logged["paused_at"] and logged["lifted_at"] and not logged["active"]


async def test_a_running_worker_stops_sending_within_a_second(api: HttpApi) -> None:
    async with api.running_worker():
        first = await api.enqueue(idempotency_key="before")
        await wait_for(lambda: _sent(api, first), timeout_s=5)

        await api.call("POST", "/v1/pause", role=A, json_body={"scope": "all", "reason": "drill"})
        await asyncio.sleep(1.0)
        status, batch = await api.call(
            "POST",
            "/v1/messages/batch",
            role=Role.STRATEGY,
            json_body={
                "messages": [
                    reminder(debtor_ref=f"D-{i}", idempotency_key=f"w{i}") for i in range(10)
                ]
            },
        )
        assert status == 202
        ids = [m["id"] for m in batch["messages"]]
        await asyncio.sleep(2.5)  # every message checked at least once, some twice

        assert len(api.stack.twilio.requests) == 1
        assert {await api.status_of(i) for i in ids} == {"deferred"}

        await api.call("POST", "/v1/resume", role=A, json_body={"scope": "all"})
        for message_id in ids:
            await wait_for(lambda m=message_id: _sent(api, m), timeout_s=6)  # type: ignore[misc]
    assert len(api.stack.twilio.requests) == 11


async def test_a_channel_or_campaign_pause_holds_only_its_messages(api: HttpApi) -> None:
    await api.call(
        "POST",
        "/v1/pause",
        role=A,
        json_body={"scope": "campaign", "target": "nov-run", "reason": "typo"},
    )
    in_campaign = await api.enqueue(idempotency_key="c", campaign="nov-run")
    other_campaign = await api.enqueue(idempotency_key="d", campaign="dec-run", debtor_ref="D-2")
    no_campaign = await api.enqueue(idempotency_key="e", debtor_ref="D-3")
    await api.run_worker()

    assert await api.status_of(in_campaign) == "deferred"
    assert await api.status_of(other_campaign) in {"sent", "delivered"}
    assert await api.status_of(no_campaign) in {"sent", "delivered"}

    status, _ = await api.call(
        "POST", "/v1/pause", role=A, json_body={"scope": "channel", "target": "sms", "reason": "x"}
    )
    assert status == 201
    later = await api.enqueue(idempotency_key="f", debtor_ref="D-4")
    await api.run_worker()
    assert await api.status_of(later) == "deferred"


async def test_pausing_twice_returns_the_same_pause_and_bad_scopes_are_422(api: HttpApi) -> None:
    body = {"scope": "channel", "target": "sms", "reason": "carrier outage"}
    first = await api.call("POST", "/v1/pause", role=A, json_body=body)
    again = await api.call("POST", "/v1/pause", role=A, json_body=body)
    assert (first[0], again[0]) == (201, 200) and first[1]["id"] == again[1]["id"]

    for bad, field in (
        ({"scope": "everything", "reason": "x"}, "scope"),
        ({"scope": "channel", "target": "fax", "reason": "x"}, "target"),
        ({"scope": "all", "target": "sms", "reason": "x"}, "target"),
        ({"scope": "all"}, "reason"),
    ):
        status, problem = await api.call("POST", "/v1/pause", role=A, json_body=bad)
        assert status == 422, bad
        assert [e["field"] for e in problem["errors"]] == [field]


async def _sent(api: HttpApi, message_id: str) -> bool:
    return await api.status_of(message_id) in {"sent", "delivered"}
