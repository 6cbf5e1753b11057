"""Twilio status callbacks: signed or refused; late, repeated and reordered, still right."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession

from tests.dispatcher.conftest import Stack


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"auto_callbacks": False}


async def sent_message(stack: Stack) -> tuple[str, str]:
    message_id = await stack.send()
    await stack.run_worker()
    view = await stack.view(message_id)
    assert view.status == "sent"
    return message_id, view.message["provider_message_id"]


async def test_unsigned_and_forged_callbacks_are_refused_and_change_nothing(stack: Stack) -> None:
    message_id, sid = await sent_message(stack)

    assert await stack.twilio.send_status_callback(sid, "delivered", signed=False) == 403
    assert await stack.twilio.send_status_callback(sid, "delivered", signature="Zm9yZ2Vk") == 403

    view = await stack.view(message_id)
    assert view.status == "sent"
    assert [e.source for e in view.events].count("webhook") == 0


async def test_a_callback_signed_for_another_url_is_refused(stack: Stack) -> None:
    message_id, sid = await sent_message(stack)
    other = await stack.send(idempotency_key="other")
    # A valid signature for message A's URL, replayed against message B's URL.
    url_a = stack.settings.status_callback_url("twilio", message_id)
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC"}
    signature = RequestValidator(stack.twilio.auth_token).compute_signature(url_a, params)
    async with ClientSession() as http:
        response = await http.post(
            stack.settings.status_callback_url("twilio", other),
            data=params,
            headers={"X-Twilio-Signature": signature},
        )
    assert response.status == 403


async def test_a_replayed_callback_changes_nothing_the_second_time(stack: Stack) -> None:
    message_id, sid = await sent_message(stack)

    for _ in range(3):
        assert await stack.twilio.send_status_callback(sid, "delivered") == 204

    view = await stack.view(message_id)
    assert view.status == "delivered"
    assert [e.status for e in view.events if e.source == "webhook"] == ["delivered"]


async def test_a_late_sent_never_overwrites_delivered(stack: Stack) -> None:
    message_id, sid = await sent_message(stack)

    await stack.twilio.send_status_callback(sid, "delivered")
    await stack.twilio.send_status_callback(sid, "sent")
    await stack.twilio.send_status_callback(sid, "queued")

    assert (await stack.view(message_id)).status == "delivered"


async def test_an_undelivered_callback_records_the_carrier_error(stack: Stack) -> None:
    message_id, sid = await sent_message(stack)

    await stack.twilio.send_status_callback(sid, "undelivered", error_code="30003")

    message = (await stack.view(message_id)).message
    assert message["status"] == "undelivered"
    assert message["error_code"] == "30003"


async def test_a_callback_for_an_unknown_message_is_404(stack: Stack) -> None:
    _, sid = await sent_message(stack)
    url = stack.settings.status_callback_url("twilio", "01NOSUCHMESSAGE0000000000")
    assert await stack.twilio.send_status_callback(sid, "delivered", url=url) == 404
