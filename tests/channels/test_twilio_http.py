"""The SDK's HTTP client as the Twilio channels use it: the same request, less work."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

from channels.base import OutgoingMessage
from channels.twilio import TwilioSmsChannel
from channels.twilio.http import form_urlencoded
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

# Every byte value of UTF-8 (ASCII, Latin, CJK, emoji), the characters a form escapes, and
# the ones it keeps.
TEXTS = [
    "".join(chr(c) for c in range(0x00, 0x80)),
    "".join(chr(c) for c in range(0x80, 0x800)),
    "【安信资产】王伟您好，您的账户尚有3250.00元逾期未还。回复TD退订 😀",
    "a b+c&d=e%f/g?h#i~j_k.l-m",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_form_is_encoded_as_urlencode_encodes_it(text: str) -> None:
    fields = {"Body": text, f"Key {text[:5]}": "x", "To": "+8613800000001"}

    assert form_urlencoded(fields) == urlencode(fields).encode()


async def test_twilio_receives_the_form_and_credentials_as_the_sdk_sends_them(
    fake_twilio: FakeTwilio, sms_channel: TwilioSmsChannel
) -> None:
    body = TEXTS[2] + " & = + %"

    await sms_channel.send(
        OutgoingMessage(message_id="m-1", destination="+8613800000001", body=body)
    )

    [request] = fake_twilio.requests
    assert request.form == {"To": "+8613800000001", "From": TEST_FROM_NUMBER, "Body": body}
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"].startswith("Basic ")  # the fake checked it


async def test_with_its_logger_at_info_the_sdk_logs_each_request_without_credentials(
    fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
    )  # fmt: skip
    try:
        with caplog.at_level(logging.INFO, logger="twilio.async_http_client"):
            await channel.send(OutgoingMessage(message_id="m-1", destination="+1415", body="hi"))
    finally:
        await channel.aclose()

    lines = [r.getMessage() for r in caplog.records if r.name == "twilio.async_http_client"]
    assert lines[0] == "-- BEGIN Twilio API Request --"
    assert any(line.startswith("POST Request: ") for line in lines)
    assert "Response Status Code: 201" in lines
    assert not any("Authorization" in line or "Basic " in line for line in lines)
