"""Contract check: the calls TwilioVoiceChannel places are what Twilio's OpenAPI description
accepts (Prism serving ``twilio_api_v2010.json`` with ``--errors``), and every form field
we send is one the description names (Prism lets unknown fields through).

Prism is started as for the SMS contract check; without it these tests are skipped —
except in CI (``CI=true``), where they fail.

Prism 5 reads a repeated form key as one value, the last (stoplightio/prism#2473, fix
pending in #2654), so it refuses ``StatusCallbackEvent=initiated&StatusCallbackEvent=...``
— which is how Twilio documents the array and how its SDK sends it. The requests
therefore pass through a small proxy that spells repeated keys ``Name[]``, which Prism
reads as an array; nothing else is changed. That every field name we send is Twilio's is
checked separately, against what the fake Twilio received.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
from aiohttp import web

from channels.base import CollectorContact, DeliveryStatus, OutgoingMessage, PermanentChannelError
from channels.twilio import TwilioVoiceChannel
from tests.channels.test_twilio_contract import _spec_path, _unavailable, prism_url
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

__all__ = ["prism_url"]  # the session fixture, shared with the SMS contract check

pytestmark = pytest.mark.prism

DEBTOR = "+14155550123"
BASE = "https://dispatcher.example.com/webhooks/twilio/voice/m-1"
COLLECTOR = CollectorContact("c-17", "Li Na", "+14155550188")
CALLS = "/2010-04-01/Accounts/{AccountSid}/Calls.json"


def _calls(kind: str) -> OutgoingMessage:
    if kind == "bridge":
        return OutgoingMessage(
            "m-1", DEBTOR, "This call is recorded.", BASE, locale="en-US",
            template_name="collector_call", collectors=(COLLECTOR,),
        )  # fmt: skip
    return OutgoingMessage(
        "m-1", DEBTOR, "Please call us.", BASE, locale="zh-CN",
        template_name="payment_reminder", voicemail_body="请回电。",
    )  # fmt: skip


@pytest.fixture
async def prism_arrays(prism_url: str) -> AsyncIterator[str]:
    """Prism behind a proxy that spells repeated form keys as ``Name[]`` (see above)."""

    async def forward(request: web.Request) -> web.Response:
        pairs = parse_qsl(await request.text(), keep_blank_values=True)
        counts: dict[str, int] = {}
        for key, _ in pairs:
            counts[key] = counts.get(key, 0) + 1
        body = urlencode([(f"{k}[]" if counts[k] > 1 else k, v) for k, v in pairs])
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with (
            aiohttp.ClientSession() as http,
            http.post(prism_url + request.path_qs, data=body, headers=headers) as answer,
        ):
            return web.Response(
                status=answer.status, body=await answer.read(), content_type=answer.content_type
            )

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


_HOP = {"host", "content-length", "transfer-encoding", "connection"}


def _channel(base_url: str, **options: Any) -> TwilioVoiceChannel:
    return TwilioVoiceChannel(
        TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER,
        api_base_url=base_url, **options,
    )  # fmt: skip


def _schema() -> dict[str, Any]:
    spec = _spec_path()
    if not spec.exists():
        _unavailable(f"Twilio's OpenAPI description is not at {spec} (set TWILIO_OAI_SPEC)")
    operation = json.loads(spec.read_text("utf-8"))["paths"][CALLS]["post"]
    schema: dict[str, Any] = operation["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]
    return schema


@pytest.mark.parametrize("kind", ["bridge", "reminder"])
@pytest.mark.parametrize("record_calls", [True, False], ids=["recorded", "unrecorded"])
async def test_our_calls_are_accepted_by_twilios_description(
    prism_arrays: str, kind: str, record_calls: bool
) -> None:
    channel = _channel(prism_arrays, caller_id="+15005550007", record_calls=record_calls)
    try:
        receipt = await channel.send(_calls(kind))
    finally:
        await channel.aclose()

    # Prism answers with the spec's example call, which our receipt parsing must take.
    assert receipt.provider == "twilio"
    assert receipt.provider_message_id.startswith("CA")
    assert receipt.status is DeliveryStatus.ACCEPTED


async def test_a_malformed_call_is_rejected_by_our_channel_as_permanent(
    prism_arrays: str,
) -> None:
    """Proves the check can fail through our own code path: a callback base that is no URI."""
    channel = _channel(prism_arrays)
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await channel.send(OutgoingMessage("m-1", DEBTOR, "hi", "not a uri"))
    finally:
        await channel.aclose()

    assert caught.value.http_status == 422


@pytest.mark.parametrize("kind", ["bridge", "reminder"])
async def test_every_field_we_send_is_named_in_twilios_description(
    fake_twilio: FakeTwilio, kind: str
) -> None:
    schema = _schema()
    channel = _channel(fake_twilio.base_url)
    try:
        await channel.send(_calls(kind))
    finally:
        await channel.aclose()

    sent = set(fake_twilio.requests[0].form)
    assert sent <= set(schema["properties"]), sent - set(schema["properties"])
    assert set(schema.get("required", [])) <= sent
    # The values Twilio enumerates in prose are ones it lists.
    form = fake_twilio.requests[0].form
    assert form.get("MachineDetection", "Enable") in {"Enable", "DetectMessageEnd"}
