"""Early refusal: what the gate would certainly refuse for a fact known at enqueue is a 422
at once (the Python client: InvalidRequest / InvalidBatch), naming the field and, in a
batch, the index — and nothing is written. A request without a locale takes the debtor's
preferred language."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Message
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.errors import InvalidBatch, InvalidRequest
from tests.api.conftest import HttpApi, reminder
from tests.channels.letters.samples import VARIABLES
from tests.dispatcher.conftest import reminder as python_reminder

S, CP, CO = Role.STRATEGY, Role.COMPLIANCE, Role.COLLECTOR
TOKYO = "+81 3-1234-5678"  # Japan: no rule pack
JP_LETTER: dict[str, Any] = {
    "channel": "letter", "template": "first_notice", "locale": "en-US",
    "variables": dict(VARIABLES["en-US"]),
    "address": {"name": "Sato Ken", "lines": ["1-1 Chiyoda", "Tokyo"], "country": "JP"},
}  # fmt: skip
ADDRESS = {"name": "Maria Garcia", "lines": ["12 Elm Street", "Springfield, NJ"], "country": "US"}


def debtor() -> str:
    return f"D-{uuid.uuid4().hex[:10]}"


async def messages_of(api: HttpApi, debtor_ref: str) -> int:
    async with api.stack.log.engine.connect() as conn:
        query = select(func.count()).where(Message.debtor_ref == debtor_ref)
        return int((await conn.execute(query)).scalar_one())


async def test_a_number_in_a_country_without_a_pack_is_refused_at_once(api: HttpApi) -> None:
    ref = debtor()
    status, problem = await api.call(
        "POST", "/v1/messages", role=S, json_body=reminder(destination=TOKYO, debtor_ref=ref)
    )

    assert status == 422, problem
    [error] = problem["errors"]
    assert error["field"] == "destination"
    assert "'JP'" in error["problem"] and "no rule pack" in error["problem"]
    assert await messages_of(api, ref) == 0


async def test_the_debtors_recorded_country_decides_the_packs(api: HttpApi) -> None:
    ref = debtor()  # a Chinese debtor travelling with a Japanese number: the cn pack applies
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body={"country": "CN"}))[
        0
    ] == 200
    status, accepted = await api.call(
        "POST", "/v1/messages", role=S, json_body=reminder(destination=TOKYO, debtor_ref=ref)
    )
    assert status == 202, accepted


async def test_a_letter_to_an_address_without_a_pack_names_its_country(api: HttpApi) -> None:
    ref = debtor()
    status, problem = await api.call(
        "POST", "/v1/messages", role=S, json_body={**JP_LETTER, "debtor_ref": ref}
    )
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["address.country"]
    assert await messages_of(api, ref) == 0


async def test_a_batch_names_every_problem_with_its_index(api: HttpApi) -> None:
    ref = debtor()
    items = [
        reminder(debtor_ref=ref, idempotency_key=f"{ref}:0"),
        reminder(debtor_ref=ref, destination=TOKYO),
        {**JP_LETTER, "debtor_ref": ref, "template": "no_such_letter"},
    ]

    status, problem = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": items}
    )

    assert status == 422
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [
        (1, "destination"),
        (2, "address.country"),
        (2, "template"),
    ]
    assert await messages_of(api, ref) == 0

    malformed = [*items, {"channel": "sms"}]  # a malformed item: the others are still checked
    status, problem = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": malformed}
    )
    assert status == 422
    found = {(e["index"], e["field"]) for e in problem["errors"]}
    assert {(1, "destination"), (2, "address.country"), (3, "template")} <= found
    assert await messages_of(api, ref) == 0


async def test_the_python_client_refuses_the_same(api: HttpApi) -> None:
    ref = debtor()
    client = api.stack.client
    with pytest.raises(InvalidRequest) as refused:
        await client.send(python_reminder(destination=TOKYO, debtor_ref=ref))
    assert [p.field for p in refused.value.problems] == ["destination"]

    with pytest.raises(InvalidBatch) as batch:
        await client.send_many([
            python_reminder(debtor_ref=ref, idempotency_key=f"{ref}:ok"),
            python_reminder(
                channel="voice", template="collector_call", debtor_ref=ref, collector_id="c-nobody"
            ),
        ])  # fmt: skip
    assert [(p.index, p.field) for p in batch.value.problems] == [(1, "collector_id")]
    assert "unknown collector 'c-nobody'" in batch.value.problems[0].problem
    assert await messages_of(api, ref) == 0


async def test_an_untrained_collectors_call_is_refused_in_python_too(api: HttpApi) -> None:
    await api.stack.log.collectors.upsert("c-new", name="New", phone="+12015550101")
    with pytest.raises(InvalidRequest) as refused:
        await api.stack.client.send(
            python_reminder(channel="voice", template="collector_call", collector_id="c-new")
        )
    [problem] = refused.value.problems
    assert (problem.field, problem.problem) == (
        "collector_id",
        "collector c-new has not passed training",
    )


async def test_a_request_without_a_locale_takes_the_preferred_language(api: HttpApi) -> None:
    ref = debtor()
    body = {"country": "US", "locale": "en-US", "preferred_locale": "zh-CN"}
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body))[0] == 200
    asked = reminder(debtor_ref=ref)
    del asked["locale"]

    status, accepted = await api.call("POST", "/v1/messages", role=S, json_body=asked)

    assert status == 202, accepted
    _, shown = await api.call("GET", f"/v1/messages/{accepted['id']}", role=CP)
    assert shown["locale"] == "zh-CN"
    stranger = {**asked, "debtor_ref": debtor()}
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=stranger)
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["locale"]


async def test_a_visit_outcome_before_the_visit_is_refused(api: HttpApi) -> None:
    for collector_id in ("collector-1", "c-2"):
        await api.stack.log.collectors.upsert(
            collector_id, name=collector_id, phone="+12015550101", trained_on=date(2026, 1, 5)
        )
    visit_at = api.stack.clock.now() + timedelta(days=2)
    plan = {
        "debtor_ref": debtor(), "address": ADDRESS, "locale": "en-US",
        "visit_at": visit_at.isoformat(), "collector_ids": ["collector-1", "c-2"],
        "variables": {"debtor_name": "Maria Garcia"},
    }  # fmt: skip
    status, accepted = await api.call("POST", "/v1/visits", role=S, json_body=plan)
    assert status == 202, accepted
    assert await api.stack.log.transition(
        accepted["id"], expect={MessageStatus.QUEUED}, to=MessageStatus.SENT,
        source=EventSource.WORKER,
    )  # fmt: skip

    status, problem = await api.call(
        "POST", f"/v1/visits/{accepted['id']}/outcome", role=CO,
        json_body={"result": "visited", "went": ["collector-1"]},
    )  # fmt: skip

    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["result"]
    assert (await api.stack.log.get(accepted["id"])).disposition is None


async def test_a_collector_refused_only_if_no_date_of_the_call_would_do(api: HttpApi) -> None:
    today = api.stack.clock.now().date()
    await api.stack.log.collectors.upsert(
        "c-soon", name="Soon", phone="+12015550101", trained_on=today + timedelta(days=30)
    )
    call = {"channel": "voice", "template": "collector_call", "collector_id": "c-soon"}
    with pytest.raises(InvalidRequest) as refused:  # not trained before the call's validity ends
        await api.stack.client.send(python_reminder(**call))
    assert "passes training only on" in refused.value.problems[0].problem

    later = api.stack.clock.now() + timedelta(days=31)  # by then trained: the gate decides
    accepted = await api.stack.client.send(python_reminder(**call, send_after=later))
    assert accepted.created
