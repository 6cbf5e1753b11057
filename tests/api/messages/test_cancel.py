"""Taking messages back over HTTP and in Python: exactly one of cancel and send wins."""

from __future__ import annotations

import asyncio

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from dispatcher.contactlog.cancel import cancel_message
from dispatcher.contactlog.keys import Role
from dispatcher.domain import PENDING, EventSource, MessageStatus
from dispatcher.errors import InvalidRequest
from dispatcher.process.deps import Deps
from dispatcher.sending.pipeline import Pipeline
from tests.api.conftest import HttpApi, reminder
from tests.dispatcher.conftest import reminder as python_reminder

S = Role.STRATEGY


async def enqueue(api: HttpApi, **overrides: object) -> str:
    status, body = await api.call("POST", "/v1/messages", role=S, json_body=reminder(**overrides))
    assert status == 202, body
    return str(body["id"])


async def test_a_queued_message_is_cancelled_and_never_sent(api: HttpApi) -> None:
    message_id = await enqueue(api)

    status, body = await api.call(
        "POST", f"/v1/messages/{message_id}/cancel", role=S, json_body={"reason": "paid today"}
    )
    await api.run_worker()

    assert (status, body["cancelled"], body["too_late"]) == (200, [message_id], [])
    view = await api.stack.view(message_id)
    assert view.status == "cancelled"
    assert view.events[-1].detail == {"cancelled_by": "strategy:strategy-1", "reason": "paid today"}
    assert api.stack.twilio.requests == []


async def test_a_message_already_going_out_is_too_late_and_says_so(api: HttpApi) -> None:
    message_id = await enqueue(api)
    await api.stack.log.transition(
        message_id, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER
    )

    status, body = await api.call(
        "POST", f"/v1/messages/{message_id}/cancel", role=S, json_body={"reason": "paid"}
    )

    assert (status, body["cancelled"]) == (200, [])
    assert body["too_late"] == [{"id": message_id, "status": "sending"}]


async def test_a_debtors_pending_messages_are_cancelled_and_a_hold_set(api: HttpApi) -> None:
    mine = [await enqueue(api, idempotency_key=f"m{i}") for i in range(3)]
    other = await enqueue(api, idempotency_key="other", debtor_ref="D-2")

    status, body = await api.call(
        "POST", "/v1/messages/cancel", role=S,
        json_body={"debtor_ref": "D-1", "reason": "settled", "hold": "settled"},
    )  # fmt: skip
    later = await enqueue(api, idempotency_key="later")
    await api.run_worker()

    assert status == 200, body
    assert (sorted(body["cancelled"]), body["hold_set"]) == (sorted(mine), True)
    assert await api.status_of(other) in {"sent", "delivered"}
    assert await api.status_of(later) == "blocked"  # the hold stops what comes next


async def test_a_cancel_names_its_bad_fields(api: HttpApi) -> None:
    status, body = await api.call(
        "POST", "/v1/messages/cancel", role=S,
        json_body={"debtor_ref": "D-1", "account_ref": "A-1", "hold": "gone", "reasn": "x"},
    )  # fmt: skip

    assert status == 422
    assert {e["field"] for e in body["errors"]} >= {"hold", "reason", "reasn"}


async def test_cancel_racing_eight_workers_has_exactly_one_winner(api: HttpApi) -> None:
    # Given one message, eight pipelines and a cancel all going for it at once, many times
    stack = api.stack
    redis = await create_pool(RedisSettings.from_dsn(stack.redis_url))
    deps_list = [Deps.build(stack.settings, redis=redis, clock=stack.clock) for _ in range(8)]
    winners = set()
    try:
        for attempt in range(10):
            accepted = await stack.client.send(python_reminder(idempotency_key=f"race-{attempt}"))
            before = len(stack.twilio.messages)
            cancel = cancel_message(stack.log, accepted.message_id, by="strategy", reason="paid")
            runs = [Pipeline(deps).run(accepted.message_id) for deps in deps_list]
            outcome, *words = await asyncio.gather(cancel, *runs)

            # Then it was either cancelled and never sent, or sent once and not cancelled
            sent = len(stack.twilio.messages) - before
            status = (await stack.view(accepted.message_id)).status
            if outcome.cancelled:
                assert (status, sent) == ("cancelled", 0)
                winners.add("cancel")
            else:
                assert outcome.too_late and sent == 1 and status != "cancelled"
                winners.add("send")
            assert sum(word.startswith("sent") for word in words) == sent
    finally:
        for deps in deps_list:
            await deps.aclose()
        await redis.aclose()
    assert winners  # which won varies; that exactly one did is what was checked


async def test_a_campaign_named_in_python_is_cancelled_by_its_name(api: HttpApi) -> None:
    stack = api.stack
    ours = await stack.client.send(python_reminder(idempotency_key="c1", campaign="nov-run"))
    other = await stack.client.send(python_reminder(idempotency_key="c2", campaign="dec-run"))

    outcome = await stack.client.cancel_pending(campaign="nov-run", reason="campaign stopped")

    assert outcome.cancelled == [ours.message_id]
    view = await stack.view(ours.message_id)
    assert view.message["requested_by"] == "strategy#nov-run"
    assert (await stack.view(other.message_id)).status == "queued"


async def test_a_bad_campaign_name_is_refused_naming_the_field(api: HttpApi) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await api.stack.client.send(python_reminder(campaign="no spaces"))
    assert [p.field for p in refused.value.problems] == ["campaign"]
