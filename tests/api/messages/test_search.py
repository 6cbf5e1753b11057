"""Searching the contact log: filters, refusals with their reasons, stable cursor pages."""

from __future__ import annotations

from dispatcher.contactlog.keys import Role
from dispatcher.enqueue.requests import MessageRequest
from tests.api.conftest import HttpApi

CP = Role.COMPLIANCE


async def test_one_request_finds_every_refusal_to_a_debtor_with_the_reason(api: HttpApi) -> None:
    sent = await api.enqueue(debtor_ref="D-1", idempotency_key="a")
    await api.run_worker()
    await api.stack.log.add_hold(
        kind="cease",
        debtor_ref="D-1",
        set_by="compliance-7",
        source="api",
        reason="asked in writing to stop",
    )
    refused = [await api.enqueue(debtor_ref="D-1", idempotency_key=f"r{i}") for i in range(2)]
    await api.enqueue(debtor_ref="D-2", idempotency_key="other", destination="+1 212 555 0134")
    await api.run_worker()

    status, page = await api.call(
        "GET",
        "/v1/messages",
        role=CP,
        params={"debtor_ref": "D-1", "status": "blocked", "rule_id": "hold.active"},
    )

    assert status == 200
    assert [m["id"] for m in page["items"]] == refused
    assert all("cease hold on the debtor" in m["verdict"]["reason"] for m in page["items"])
    assert page["next_cursor"] is None
    _, all_to_d1 = await api.call("GET", "/v1/messages", role=CP, params={"debtor_ref": "D-1"})
    assert [m["id"] for m in all_to_d1["items"]] == [sent, *refused]


async def test_time_range_filters_use_created_at(api: HttpApi) -> None:
    await api.enqueue(idempotency_key="x")
    now = api.stack.clock.now()
    before = (now.replace(year=now.year - 1)).isoformat()
    after = (now.replace(year=now.year + 1)).isoformat()
    _, page = await api.call(
        "GET", "/v1/messages", role=CP, params={"since": before, "until": after}
    )
    assert len(page["items"]) == 1
    _, page = await api.call("GET", "/v1/messages", role=CP, params={"since": after})
    assert page["items"] == []


async def test_cursor_pages_are_stable_while_new_rows_arrive(api: HttpApi) -> None:
    first_ids = []
    for i in range(25):
        first_ids.append(await api.enqueue(debtor_ref=f"D-{i}", idempotency_key=f"old{i}"))

    seen: list[str] = []
    cursor = None
    arrivals = 0
    while True:
        params = {"limit": "10", **({"cursor": cursor} if cursor else {})}
        status, page = await api.call("GET", "/v1/messages", role=Role.STRATEGY, params=params)
        assert status == 200
        seen += [m["id"] for m in page["items"]]
        # New messages arrive between page reads: they only ever extend the end.
        for _ in range(3):
            await api.enqueue(debtor_ref="D-new", idempotency_key=f"new{arrivals}")
            arrivals += 1
        cursor = page["next_cursor"]
        if cursor is None or len(seen) >= 40:
            break

    assert seen[:25] == first_ids  # nothing skipped, nothing repeated, in order
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)


async def test_bad_filters_are_422_naming_the_parameter(api: HttpApi) -> None:
    for params, field in (
        ({"status": "lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-11-01T00:00:00"}, "until"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"debtor": "D-1"}, "debtor"),
    ):
        status, problem = await api.call("GET", "/v1/messages", role=CP, params=params)
        assert status == 422, params
        assert [e["field"] for e in problem["errors"]] == [field]


async def test_messages_are_found_by_the_collector_who_placed_the_call(api: HttpApi) -> None:
    today = api.stack.clock.now().date()
    for collector_id in ("c-1", "c-2"):
        await api.stack.log.collectors.upsert(
            collector_id, name=collector_id, phone="+12025550100", trained_on=today
        )
    call = {"channel": "voice", "template": "collector_call", "locale": "en-US",
            "destination": "+12015550123", "debtor_ref": "D-1",
            "variables": {"company_name": "Harbor"}}  # fmt: skip
    c1 = await api.stack.client.send(MessageRequest(**call, collector_id="c-1"))
    await api.stack.client.send(MessageRequest(**call, collector_id="c-2"))
    await api.enqueue(idempotency_key="a text")

    _, page = await api.call("GET", "/v1/messages", role=CP, params={"collector_id": "c-1"})

    assert [m["id"] for m in page["items"]] == [c1.message_id]
