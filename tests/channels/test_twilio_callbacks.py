"""Twilio status callbacks: status mapping, signatures, and the fake's signed callbacks."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from channels.base import DeliveryStatus, OutgoingMessage
from channels.twilio import (
    StatusUpdate,
    TwilioSmsChannel,
    parse_status_callback,
    signature_is_valid,
)
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER
from tests.fakes.status_receiver import StatusCallbackReceiver

SID = "SM" + "ab" * 16
URL = "https://dispatcher.example.com/webhooks/twilio/status?message_id=m-1"


def form(status: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": SID,
        "MessageStatus": status,
        "AccountSid": TEST_ACCOUNT_SID,
        "To": "+14155550123",
        "From": TEST_FROM_NUMBER,
        "ApiVersion": "2010-04-01",
        **extra,
    }


# -- status mapping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("twilio_status", "expected"),
    [
        ("queued", DeliveryStatus.ACCEPTED),
        ("accepted", DeliveryStatus.ACCEPTED),
        ("scheduled", DeliveryStatus.ACCEPTED),
        ("sending", DeliveryStatus.ACCEPTED),
        ("sent", DeliveryStatus.ACCEPTED),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.UNDELIVERED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
    ],
)
def test_twilio_statuses_map_to_ours(twilio_status: str, expected: DeliveryStatus) -> None:
    update = parse_status_callback(form(twilio_status))

    assert update == StatusUpdate(SID, expected, twilio_status, None)


def test_failure_carries_twilio_error_code() -> None:
    update = parse_status_callback(form("undelivered", ErrorCode="30003"))

    assert (update.status, update.error_code) == (DeliveryStatus.UNDELIVERED, "30003")


def test_empty_error_code_means_none() -> None:
    assert parse_status_callback(form("delivered", ErrorCode="")).error_code is None


@pytest.mark.parametrize("twilio_status", ["received", "partially_delivered", "bogus", ""])
def test_unknown_or_missing_status_is_rejected(twilio_status: str) -> None:
    with pytest.raises(ValueError):
        parse_status_callback(form(twilio_status))


def test_missing_sid_is_rejected() -> None:
    bad = form("delivered")
    del bad["MessageSid"]

    with pytest.raises(ValueError, match="MessageSid"):
        parse_status_callback(bad)


# -- signatures --------------------------------------------------------------------------


def test_signature_made_with_the_auth_token_is_valid() -> None:
    params = form("delivered")
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(URL, params)

    assert signature_is_valid(TEST_AUTH_TOKEN, URL, params, signature)


def test_signature_made_with_another_token_is_invalid() -> None:
    params = form("delivered")
    signature = RequestValidator("some-other-token").compute_signature(URL, params)

    assert not signature_is_valid(TEST_AUTH_TOKEN, URL, params, signature)


def test_tampered_params_or_url_invalidate_the_signature() -> None:
    params = form("delivered")
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(URL, params)

    assert not signature_is_valid(TEST_AUTH_TOKEN, URL, form("failed"), signature)
    assert not signature_is_valid(TEST_AUTH_TOKEN, URL + "x", params, signature)


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature_is_invalid(signature: str | None) -> None:
    assert not signature_is_valid(TEST_AUTH_TOKEN, URL, form("delivered"), signature)


# -- the fake's callbacks, end to end ----------------------------------------------------


async def test_auto_callbacks_arrive_signed_sent_then_delivered(
    callback_receiver: StatusCallbackReceiver,
) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, auto_callbacks=True) as fake:
        channel = TwilioSmsChannel(
            TEST_ACCOUNT_SID,
            TEST_AUTH_TOKEN,
            from_number=TEST_FROM_NUMBER,
            api_base_url=fake.base_url,
        )
        try:
            receipt = await channel.send(
                OutgoingMessage("m-1", "+14155550123", "hello", callback_receiver.url)
            )
        finally:
            await channel.aclose()
        received = await callback_receiver.wait_for(2)

    assert [r.signature_valid for r in received] == [True, True]
    assert [r.update for r in received] == [
        StatusUpdate(receipt.provider_message_id, DeliveryStatus.ACCEPTED, "sent", None),
        StatusUpdate(receipt.provider_message_id, DeliveryStatus.DELIVERED, "delivered", None),
    ]
    assert received[0].form["AccountSid"] == TEST_ACCOUNT_SID
    assert received[0].form["To"] == "+14155550123"
    assert received[0].form["From"] == TEST_FROM_NUMBER
    assert [c.response_status for c in fake.callbacks] == [204, 204]


async def test_no_callbacks_without_status_callback_url(fake_twilio: FakeTwilio) -> None:
    fake_twilio.auto_callbacks = True
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
    )
    try:
        await channel.send(OutgoingMessage("m-1", "+14155550123", "hello"))
    finally:
        await channel.aclose()
    await fake_twilio.wait_for_callbacks()

    assert fake_twilio.callbacks == []


async def test_replayed_failed_callback_with_error_code(
    fake_twilio: FakeTwilio,
    sms_channel: TwilioSmsChannel,
    callback_receiver: StatusCallbackReceiver,
) -> None:
    receipt = await sms_channel.send(
        OutgoingMessage("m-1", "+14155550123", "hello", callback_receiver.url)
    )

    answer = await fake_twilio.send_status_callback(
        receipt.provider_message_id, "undelivered", error_code="30005"
    )

    assert answer == 204
    [received] = callback_receiver.received
    assert received.update == StatusUpdate(
        receipt.provider_message_id, DeliveryStatus.UNDELIVERED, "undelivered", "30005"
    )


async def test_forged_or_unsigned_callbacks_are_refused(
    fake_twilio: FakeTwilio,
    sms_channel: TwilioSmsChannel,
    callback_receiver: StatusCallbackReceiver,
) -> None:
    receipt = await sms_channel.send(
        OutgoingMessage("m-1", "+14155550123", "hello", callback_receiver.url)
    )
    sid = receipt.provider_message_id

    forged = await fake_twilio.send_status_callback(sid, "delivered", signature="Zm9yZ2Vk")
    unsigned = await fake_twilio.send_status_callback(sid, "delivered", signed=False)

    assert (forged, unsigned) == (403, 403)
    assert [r.signature_valid for r in callback_receiver.received] == [False, False]


async def test_callback_to_an_explicit_url(
    fake_twilio: FakeTwilio, callback_receiver: StatusCallbackReceiver
) -> None:
    answer = await fake_twilio.send_status_callback(
        SID, "delivered", url=callback_receiver.url + "?message_id=m-9"
    )

    assert answer == 204
    [received] = callback_receiver.received
    assert received.url.endswith("/twilio/status?message_id=m-9")
    assert received.update is not None
    assert received.update.provider_message_id == SID
