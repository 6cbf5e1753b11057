"""Enqueue over HTTP: one, a batch of 10,000 in one request, and every way to get it wrong."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Message
from tests.api.conftest import HttpApi, reminder

S = Role.STRATEGY


async def count_messages(api: HttpApi) -> int:
    async with api.stack.log.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Message))).scalar_one())


async def test_one_message_is_accepted_then_sent_by_the_pipeline(api: HttpApi) -> None:
    status, accepted = await api.call(
        "POST",
        "/v1/messages",
        role=S,
        json_body=reminder(idempotency_key="run-1:D-1", campaign="nov-run"),
    )
    assert status == 202
    assert accepted["created"] is True and accepted["status"] == "queued"

    await api.run_worker()

    _, message = await api.call("GET", f"/v1/messages/{accepted['id']}", role=Role.COMPLIANCE)
    assert message["status"] in {"sent", "delivered"}
    assert message["requested_by"] == "api:strategy-1#nov-run"
    assert message["campaign"] == "nov-run"
    assert message["verdict"]["decision"] == "allow"
    assert [r.form["To"] for r in api.stack.twilio.requests] == ["+12015550123"]


async def test_the_same_idempotency_key_returns_the_same_message(api: HttpApi) -> None:
    body = reminder(idempotency_key="same")
    first = await api.call("POST", "/v1/messages", role=S, json_body=body)
    again = await api.call("POST", "/v1/messages", role=S, json_body=body)
    assert first[1]["id"] == again[1]["id"]
    assert (first[1]["created"], again[1]["created"]) == (True, False)
    assert await count_messages(api) == 1


async def test_the_same_idempotency_key_with_another_request_is_a_409(api: HttpApi) -> None:
    await api.call("POST", "/v1/messages", role=S, json_body=reminder(idempotency_key="same"))
    other = reminder(idempotency_key="same", debtor_ref="D-2")

    status, body = await api.call("POST", "/v1/messages", role=S, json_body=other)

    assert status == 409
    assert body["errors"][0]["field"] == "idempotency_key"
    assert "'same' was used for a different request" in body["detail"]
    assert await count_messages(api) == 1


async def test_a_batch_of_10000_is_accepted_in_one_request(api: HttpApi) -> None:
    batch = [
        reminder(debtor_ref=f"D-{i}", idempotency_key=f"big:{i}", campaign="bulk")
        for i in range(10_000)
    ]
    status, answer = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": batch}
    )
    assert status == 202, answer
    assert answer["count"] == answer["created"] == 10_000
    assert len({m["id"] for m in answer["messages"]}) == 10_000
    assert await count_messages(api) == 10_000
    assert await api.stack.client.queue.depth() == 10_000


async def test_malformed_json_is_400_and_writes_nothing(api: HttpApi) -> None:
    for raw in (b"{", b"[1,", b'{"a": NaN}', b"\xff\xfe", b""):
        status, problem = await api.call("POST", "/v1/messages", role=S, data=raw)
        assert status == 400, raw
        assert problem["type"].endswith("/malformed-request")
    assert await count_messages(api) == 0


async def test_more_than_10000_messages_is_413_and_writes_nothing(api: HttpApi) -> None:
    batch = [reminder(debtor_ref=f"D-{i}") for i in range(10_001)]
    status, problem = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": batch}
    )
    assert status == 413
    assert problem["status"] == 413 and "10000" in problem["detail"]
    assert await count_messages(api) == 0


async def test_one_invalid_item_refuses_the_batch_naming_index_and_field(api: HttpApi) -> None:
    batch: list[Any] = [reminder(debtor_ref=f"D-{i}", idempotency_key=f"k{i}") for i in range(5)]
    batch[2] = reminder(destination="not a phone", idempotency_key="k2")
    batch[3] = {**reminder(idempotency_key="k3"), "variables": {"amount": "1"}}
    batch[4] = {**reminder(idempotency_key="k4"), "sned_after": "tomorrow", "channel": 7}

    status, problem = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": batch}
    )

    assert status == 422
    assert problem["type"].endswith("/invalid-request")
    errors = {(e["index"], e["field"]) for e in problem["errors"]}
    assert (2, "destination") in errors
    assert (3, "variables.company_name") in errors
    assert {(4, "sned_after"), (4, "channel")} <= errors
    assert not any(e["index"] in {0, 1} for e in problem["errors"])
    assert await count_messages(api) == 0
    assert await api.stack.client.queue.depth() == 0


async def test_a_batch_of_one_names_index_0(api: HttpApi) -> None:
    status, problem = await api.call(
        "POST",
        "/v1/messages/batch",
        role=S,
        json_body={"messages": [reminder(template="no_such_template")]},
    )
    assert status == 422
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [(0, "template")]


async def test_a_single_invalid_message_is_422_with_fields(api: HttpApi) -> None:
    status, problem = await api.call(
        "POST",
        "/v1/messages",
        role=S,
        json_body=reminder(send_after="2026-12-01T09:00:00", debtor_ref="x" * 101),
    )
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"send_after", "debtor_ref"}
    assert all("index" not in e for e in problem["errors"])
    assert await count_messages(api) == 0


async def test_nul_characters_are_refused_not_stored(api: HttpApi) -> None:
    status, problem = await api.call(
        "POST", "/v1/messages", role=S, json_body=reminder(debtor_ref="D\x00-1")
    )
    assert status == 422 and problem["errors"][0]["field"] == "debtor_ref"


async def test_unknown_routes_and_methods_answer_with_problems(api: HttpApi) -> None:
    status, problem = await api.call("GET", "/v1/nothing-here", role=S)
    assert status == 404 and problem["status"] == 404
    status, problem = await api.call("DELETE", "/v1/messages", role=S)
    assert status == 405 and problem["status"] == 405
