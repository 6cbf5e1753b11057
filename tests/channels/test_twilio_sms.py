"""TwilioSmsChannel: the real twilio SDK against the fake Twilio."""

from __future__ import annotations

import asyncio
import socket

import pytest

from channels.base import (
    AmbiguousChannelError,
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.twilio import TwilioSmsChannel
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    TEST_FROM_NUMBER,
    TEST_MESSAGING_SERVICE_SID,
)

DEBTOR = "+14155550123"
CALLBACK = "https://dispatcher.example.com/webhooks/twilio/status?message_id=m-1"


def message(destination: str = DEBTOR, callback: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        message_id="m-1",
        destination=destination,
        body="您的账单已逾期，请尽快还款。Reply STOP to opt out.",
        status_callback_url=callback,
    )


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_send_returns_receipt_and_twilio_gets_the_message(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    receipt = await sms_channel.send(message(callback=CALLBACK))

    assert receipt.provider == "twilio" == sms_channel.provider
    assert receipt.provider_message_id in fake_twilio.messages
    assert receipt.provider_message_id.startswith("SM")
    assert len(receipt.provider_message_id) == 34
    assert receipt.status is DeliveryStatus.ACCEPTED
    assert receipt.detail["twilio_status"] == "queued"
    assert receipt.detail["num_segments"] == "1"
    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json"
    assert request.form == {
        "To": DEBTOR,
        "From": TEST_FROM_NUMBER,
        "Body": message().body,
        "StatusCallback": CALLBACK,
    }
    assert request.headers["Authorization"].startswith("Basic ")


async def test_send_without_callback_url_sends_no_status_callback(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    await sms_channel.send(message())

    assert "StatusCallback" not in fake_twilio.requests[0].form


async def test_messaging_service_is_preferred_over_from_number(fake_twilio: FakeTwilio) -> None:
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=TEST_FROM_NUMBER,
        messaging_service_sid=TEST_MESSAGING_SERVICE_SID,
        api_base_url=fake_twilio.base_url,
    )
    try:
        receipt = await channel.send(message())
    finally:
        await channel.aclose()

    form = fake_twilio.requests[0].form
    assert form["MessagingServiceSid"] == TEST_MESSAGING_SERVICE_SID
    assert "From" not in form
    assert receipt.status is DeliveryStatus.ACCEPTED
    assert receipt.detail["twilio_status"] == "accepted"


@pytest.mark.parametrize("status", [503, 429])
async def test_unavailable_and_rate_limits_are_transient(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel, status: int
) -> None:
    fake_twilio.respond_next(status=status)

    with pytest.raises(TransientChannelError) as caught:
        await sms_channel.send(message())

    assert caught.value.http_status == status
    assert caught.value.code == {503: "20503", 429: "20429"}[status]


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_other_server_errors_are_ambiguous(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel, status: int
) -> None:
    # Twilio may have created the message before failing: never resent blindly
    fake_twilio.respond_next(status=status)

    with pytest.raises(AmbiguousChannelError) as caught:
        await sms_channel.send(message())

    assert caught.value.http_status == status


async def test_error_without_twilio_code_reports_the_http_status(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    fake_twilio.respond_next(status=502)

    with pytest.raises(AmbiguousChannelError) as caught:
        await sms_channel.send(message())

    assert caught.value.code == "502"


async def test_invalid_number_is_permanent_with_twilio_code(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    fake_twilio.respond_next(status=400, code=21211)

    with pytest.raises(PermanentChannelError) as caught:
        await sms_channel.send(message())

    assert caught.value.code == "21211"
    assert caught.value.http_status == 400
    assert "Invalid 'To' Phone Number" in caught.value.text
    assert caught.value.recipient_opted_out is False


async def test_fake_rejects_non_e164_number_like_twilio(sms_channel: TwilioSmsChannel) -> None:
    with pytest.raises(PermanentChannelError) as caught:
        await sms_channel.send(message(destination="0415 555 0123"))

    assert caught.value.code == "21211"


async def test_unsubscribed_recipient_is_permanent_and_flags_opt_out(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    fake_twilio.respond_next(status=400, code=21610)

    with pytest.raises(PermanentChannelError) as caught:
        await sms_channel.send(message())

    assert caught.value.code == "21610"
    assert caught.value.recipient_opted_out is True


async def test_wrong_credentials_are_permanent(fake_twilio: FakeTwilio) -> None:
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        "not-the-token",
        from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
    )
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await channel.send(message())
    finally:
        await channel.aclose()

    assert (caught.value.code, caught.value.http_status) == ("20003", 401)
    assert fake_twilio.messages == {}


async def test_scripted_responses_are_used_in_order_then_normal_behaviour(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    fake_twilio.respond_next(status=503)
    fake_twilio.respond_next(status=429)

    with pytest.raises(TransientChannelError):
        await sms_channel.send(message())
    with pytest.raises(TransientChannelError):
        await sms_channel.send(message())
    receipt = await sms_channel.send(message())

    assert len(fake_twilio.requests) == 3
    assert list(fake_twilio.messages) == [receipt.provider_message_id]


async def test_connection_refused_is_transient_network_error() -> None:
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=TEST_FROM_NUMBER,
        api_base_url=f"http://127.0.0.1:{closed_port()}",
    )
    try:
        with pytest.raises(TransientChannelError) as caught:
            await channel.send(message())
    finally:
        await channel.aclose()

    assert caught.value.code == "network"
    assert caught.value.http_status is None


async def test_slow_twilio_times_out_as_ambiguous(fake_twilio: FakeTwilio) -> None:
    # The request left: Twilio may take it after all, so the outcome is unknown
    fake_twilio.respond_next(delay_s=1.0)
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
        timeout_s=0.2,
    )
    try:
        with pytest.raises(AmbiguousChannelError) as caught:
            await channel.send(message())
    finally:
        await channel.aclose()

    assert caught.value.code == "timeout"
    assert "TimeoutError" in caught.value.text


async def test_one_channel_sends_concurrently(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    receipts = await asyncio.gather(*(sms_channel.send(message()) for _ in range(20)))

    assert len({r.provider_message_id for r in receipts}) == 20
    assert len(fake_twilio.messages) == 20


def test_constructor_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="from_number or a messaging_service_sid"):
        TwilioSmsChannel(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)


def test_constructor_needs_credentials() -> None:
    with pytest.raises(ValueError):
        TwilioSmsChannel("", TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER)


def test_repr_hides_the_auth_token() -> None:
    channel = TwilioSmsChannel(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER)

    assert TEST_AUTH_TOKEN not in repr(channel)


async def test_send_after_aclose_is_refused(sms_channel: TwilioSmsChannel) -> None:
    await sms_channel.send(message())
    await sms_channel.aclose()

    with pytest.raises(RuntimeError, match="closed"):
        await sms_channel.send(message())
    await sms_channel.aclose()  # idempotent
