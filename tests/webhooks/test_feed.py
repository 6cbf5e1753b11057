"""The changes feed: the same events, after an opaque cursor, long-polled; an event whose
transaction commits after a later one's is still served, never skipped."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.webhooks.pruning import prune_delivered
from tests.api.conftest import HttpApi


async def feed(api: HttpApi, role: Role = Role.STRATEGY, **params: str) -> dict[str, Any]:
    status, body = await api.call("GET", "/v1/events", role=role, params=params)
    assert status == 200, body
    return dict(body)


async def test_the_feed_pages_through_every_event_and_resumes_from_a_cursor(
    api: HttpApi,
) -> None:
    first = await api.enqueue(idempotency_key="feed-1")
    await api.enqueue(idempotency_key="feed-2", debtor_ref="D-2")
    page = await feed(api, limit="1")
    [event] = page["items"]
    assert (event["type"], event["data"]["message_id"]) == ("message.queued", first)
    rest = await feed(api, after=page["next_cursor"])
    assert [e["type"] for e in rest["items"]] == ["message.queued"]
    assert rest["items"][0]["cursor"] == rest["next_cursor"]
    # nothing new: the same cursor comes back, to ask again with
    assert await feed(api, after=rest["next_cursor"]) == {
        "items": [], "next_cursor": rest["next_cursor"]
    }  # fmt: skip


async def test_strategy_sees_numbers_masked_and_compliance_in_full(api: HttpApi) -> None:
    hold = {"kind": "opt_out", "destination": "+1 201 555 0123", "reason": "asked by phone"}
    status, body = await api.call("POST", "/v1/holds", role=Role.COMPLIANCE, json_body=hold)
    assert status in (200, 201), body
    [masked] = (await feed(api))["items"]
    [full] = (await feed(api, Role.COMPLIANCE))["items"]
    assert masked["type"] == full["type"] == "hold.set"
    assert full["data"]["destination"] == "+12015550123"
    assert masked["data"]["destination"] == "+12*******23"
    status, _ = await api.call("GET", "/v1/events", role=Role.COLLECTOR)
    assert status == 403


async def test_a_cursor_that_is_not_ours_is_refused_naming_the_parameter(api: HttpApi) -> None:
    status, problem = await api.call(
        "GET", "/v1/events", role=Role.STRATEGY, params={"after": "42", "wait": "31"}
    )
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"after", "wait"}


async def test_a_long_poll_answers_as_soon_as_an_event_commits(api: HttpApi) -> None:
    cursor = (await feed(api))["next_cursor"]
    started = time.monotonic()
    waiting = asyncio.create_task(feed(api, after=cursor, wait="30"))
    await asyncio.sleep(0.5)
    assert not waiting.done()  # held open: nothing has happened yet
    message_id = await api.enqueue(idempotency_key="long-poll")
    page = await asyncio.wait_for(waiting, timeout=10)
    assert [e["data"]["message_id"] for e in page["items"]] == [message_id]
    assert time.monotonic() - started < 30  # answered on the event, not at the timeout


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_event_that_commits_late_is_served_after_later_ones(api: HttpApi) -> None:
    """PostgreSQL only: SQLite runs one write transaction at a time, so ids commit in order."""
    first = await api.enqueue(idempotency_key="late-1")
    engine = api.stack.log.engine
    async with engine.connect() as late:
        # Given a transaction that takes the next event id and stays open
        await late.execute(update(Message).where(Message.id == first).values(status="cancelled"))
        await late.execute(
            insert(MessageEvent).values(
                message_id=first, at=api.stack.clock.now(), source="api", status="cancelled",
                detail={"reason": "paid"},
            )
        )  # fmt: skip
        # When a later event commits first, and a reader reads it
        second = await api.enqueue(idempotency_key="late-2", debtor_ref="D-2")
        page = await feed(api)
        assert [(e["type"], e["data"]["message_id"]) for e in page["items"]] == [
            ("message.queued", first), ("message.queued", second)
        ]  # fmt: skip
        await late.commit()
    # Then the reader, going on from its cursor, gets the late one
    rest = await feed(api, after=page["next_cursor"], wait="10")
    assert [(e["type"], e["data"]["message_id"]) for e in rest["items"]] == [
        ("message.cancelled", first)
    ]


async def test_risk_flags_and_holds_come_as_events_in_order(api: HttpApi) -> None:
    flags = "/v1/debtors/D-7/risk-flags/complaint"
    for method, path, body in (
        ("PUT", flags, {"reason": "complained about the caller"}),
        ("POST", f"{flags}/review", {"reason": "listened to the call"}),  # no event
        ("POST", f"{flags}/clear", {"reason": "resolved"}),
        ("POST", "/v1/holds", {"kind": "dispute", "debtor_ref": "D-7", "reason": "disputed"}),
        ("POST", "/v1/holds/lift", {"kind": "dispute", "debtor_ref": "D-7"}),
    ):
        status, answer = await api.call(method, path, role=Role.COMPLIANCE, json_body=body)
        assert status in (200, 201), answer
    items = (await feed(api, Role.COMPLIANCE))["items"]
    assert [(e["type"], e["data"]["debtor_ref"]) for e in items] == [
        ("risk_flag.set", "D-7"), ("risk_flag.cleared", "D-7"),
        ("hold.set", "D-7"), ("hold.lifted", "D-7"),
    ]  # fmt: skip
    assert items[0]["data"]["flag"] == "complaint"
    assert items[3]["data"]["lifted_by"] == items[2]["data"]["set_by"]


async def test_the_python_client_reads_the_same_feed_in_full(api: HttpApi) -> None:
    message_id = await api.enqueue(idempotency_key="client-feed")
    client = api.stack.client
    page = await client.events(limit=10)
    assert [(e["type"], e["data"]["message_id"]) for e in page.items] == [
        ("message.queued", message_id)
    ]
    assert page.items == (await feed(api, Role.COMPLIANCE))["items"]
    later = await client.events(after=page.next_cursor, wait_s=0.2)
    assert (later.items, later.next_cursor) == ([], page.next_cursor)


async def test_a_cursor_older_than_what_was_pruned_is_gone_not_skipped(api: HttpApi) -> None:
    # Given four events read, the reader keeping the second one's cursor
    for n in (1, 2, 3, 4):
        await api.enqueue(idempotency_key=f"pruned-{n}", debtor_ref=f"D-{n}")
    _, second, third, last = (await feed(api))["items"]
    # When retention prunes them (projected more than 30 days before "now"), all but the
    # newest, which stays to keep the journal's numbering going up
    later = api.stack.clock.now() + timedelta(days=40)
    pruned = await prune_delivered(api.stack.log.engine, now=later, keep=timedelta(days=30))
    assert pruned.events == 3
    # Then reading on from the second is a 410 naming after, in the reader's language
    headers = {"Authorization": f"Bearer {api.keys[Role.STRATEGY]}", "Accept-Language": "zh-CN"}
    async with api.http.get(
        api.base_url + "/v1/events", headers=headers, params={"after": second["cursor"]}
    ) as answer:
        assert answer.status == 410
        problem = await answer.json(content_type=None)
    assert problem["type"].endswith("/gone") and problem["status"] == 410
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("after", "query.cursor_pruned")
    ]
    assert "WEBHOOK_KEEP_DELIVERED_DAYS" in problem["detail"]
    assert "请不带 after" in problem["detail"]
    # ... while from the third (the last pruned) nothing was missed, and without a cursor
    # the reader starts from what is kept
    assert [e["id"] for e in (await feed(api, after=third["cursor"]))["items"]] == [last["id"]]
    assert [e["id"] for e in (await feed(api))["items"]] == [last["id"]]
    message_id = await api.enqueue(idempotency_key="pruned-5", debtor_ref="D-5")
    [event] = (await feed(api, after=last["cursor"], wait="5"))["items"]
    assert event["data"]["message_id"] == message_id
