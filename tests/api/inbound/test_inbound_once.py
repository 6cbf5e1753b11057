"""Inbound SMS are applied once, by MessageSid: a replayed START never lifts a newer STOP, a
replayed STOP never adds a second hold, and the same message posted at once by many
deliveries is applied by one of them. Replays still get Twilio's 200."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import InboundMessage
from tests.api.conftest import HttpApi
from tests.fakes.fixtures import TEST_AUTH_TOKEN

NUMBER = "+12015550123"
START_SID = "SM" + "a" * 32
STOP_SID = "SM" + "b" * 32


async def holds(api: HttpApi, *, active: bool) -> list[dict[str, Any]]:
    params = {"destination": NUMBER, "active": "true" if active else "false"}
    status, body = await api.call("GET", "/v1/holds", role=Role.COMPLIANCE, params=params)
    assert status == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


async def recorded(api: HttpApi) -> dict[str, tuple[str | None, str, int]]:
    """Each inbound message recorded: its keyword, what it did, how often it came again."""
    async with api.stack.log.engine.connect() as conn:
        rows = await conn.execute(
            select(
                InboundMessage.message_sid,
                InboundMessage.keyword,
                InboundMessage.applied,
                InboundMessage.replays,
            )
        )
        return {sid: (keyword, applied, replays) for sid, keyword, applied, replays in rows}


async def test_a_replayed_start_does_not_lift_a_newer_stop(api: HttpApi) -> None:
    # Given a START, then a STOP, from one number
    assert await api.inbound("START", sid=START_SID) == 200
    assert await api.inbound("STOP", sid=STOP_SID) == 200

    # When the old START is delivered again
    assert await api.inbound("START", sid=START_SID) == 200
    assert api.last_twiml.endswith("<Response></Response>")

    # Then the STOP still holds, and a text to the number is blocked
    assert [h["source"] for h in await holds(api, active=True)] == ["inbound:STOP"]
    assert await recorded(api) == {
        START_SID: ("START", "no_opt_out", 1),
        STOP_SID: ("STOP", "opt_out_set", 0),
    }
    message_id = await api.enqueue()
    await api.run_worker()
    assert await api.status_of(message_id) == "blocked"


async def test_a_replayed_stop_changes_nothing(api: HttpApi) -> None:
    assert await api.inbound("STOP", sid=STOP_SID) == 200
    assert await api.inbound("STOP", sid=STOP_SID) == 200

    assert len(await holds(api, active=False)) == 1
    assert await recorded(api) == {STOP_SID: ("STOP", "opt_out_set", 1)}


async def test_a_replayed_stop_after_a_start_does_not_set_the_hold_again(api: HttpApi) -> None:
    await api.inbound("STOP", sid=STOP_SID)
    await api.inbound("START", sid=START_SID)

    await api.inbound("STOP", sid=STOP_SID)

    assert await holds(api, active=True) == []
    assert len(await holds(api, active=False)) == 1


async def test_a_new_start_lifts_the_stop(api: HttpApi) -> None:
    await api.inbound("STOP", sid=STOP_SID)

    assert await api.inbound("start", sid=START_SID) == 200

    assert await holds(api, active=True) == []
    [lifted] = await holds(api, active=False)
    assert lifted["lifted_by"] == "inbound-sms:START"
    assert (await recorded(api))[START_SID] == ("START", "opt_out_lifted", 0)


async def test_one_stop_delivered_eight_times_at_once_is_applied_once(api: HttpApi) -> None:
    statuses = await asyncio.gather(*(api.inbound("STOP", sid=STOP_SID) for _ in range(8)))

    assert statuses == [200] * 8
    assert len(await holds(api, active=False)) == 1
    assert await recorded(api) == {STOP_SID: ("STOP", "opt_out_set", 7)}


async def test_one_start_delivered_eight_times_at_once_is_applied_once(api: HttpApi) -> None:
    await api.inbound("STOP", sid=STOP_SID)

    statuses = await asyncio.gather(*(api.inbound("START", sid=START_SID) for _ in range(8)))

    assert statuses == [200] * 8
    assert await recorded(api) == {
        STOP_SID: ("STOP", "opt_out_set", 0),
        START_SID: ("START", "opt_out_lifted", 7),
    }
    assert await holds(api, active=True) == []


async def test_a_replayed_help_gets_the_same_answer(api: HttpApi) -> None:
    await api.inbound("HELP", sid="SM" + "c" * 32)
    first = api.last_twiml

    await api.inbound("HELP", sid="SM" + "c" * 32)

    assert api.last_twiml == first
    assert "<Message>" in first


async def test_an_inbound_message_without_a_sid_is_refused(api: HttpApi) -> None:
    url = api.base_url + "/webhooks/twilio/inbound"
    form = {"From": NUMBER, "To": "+15005550006", "Body": "STOP"}
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, form)
    async with api.http.post(url, data=form, headers={"X-Twilio-Signature": signature}) as answer:
        assert answer.status == 400
        assert "MessageSid" in await answer.text()
    assert await holds(api, active=False) == []
    assert await recorded(api) == {}
