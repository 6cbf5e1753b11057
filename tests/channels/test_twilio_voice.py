"""TwilioVoiceChannel against the fake Twilio, its TwiML, and the voice callback parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest

from channels.base import (
    AmbiguousChannelError,
    CollectorContact,
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.twilio import TwilioVoiceChannel
from channels.twilio.call_status import (
    CallbackKind,
    CallLeg,
    CallOutcome,
    parse_call_status,
    parse_dial_action,
    parse_leg,
    parse_recording,
)
from channels.twilio.twiml import bridge_twiml, hangup_twiml, notice_twiml, reminder_twiml
from dispatcher.web.twilio_voice import reminder_text
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

DEBTOR = "+8613800138000"
COLLECTOR = CollectorContact("c-17", "Li Na", "+8613900139000")
CALLER_ID = "+15005550007"
BASE = "https://dispatcher.example.com/webhooks/twilio/voice/m-1"
NOTICE = "您好，这里是安信资产。本次通话将被录音，用于服务质量和合规管理。"


def bridge_call(**overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "message_id": "m-1", "destination": DEBTOR, "body": NOTICE,
        "status_callback_url": BASE, "locale": "zh-CN", "template_name": "collector_call",
        "collectors": (COLLECTOR,),
    }  # fmt: skip
    fields.update(overrides)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def reminder_call() -> OutgoingMessage:
    return OutgoingMessage(
        "m-2", DEBTOR, "全文", f"{BASE}/", locale="zh-CN", template_name="payment_reminder",
        voicemail_body="留言",
    )  # fmt: skip


@pytest.fixture
async def voice_channel(fake_twilio: FakeTwilio) -> AsyncIterator[TwilioVoiceChannel]:
    channel = TwilioVoiceChannel(
        TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER, caller_id=CALLER_ID,
        api_base_url=fake_twilio.base_url, timeout_s=5.0,
    )  # fmt: skip
    yield channel
    await channel.aclose()


# -- TwiML ---------------------------------------------------------------------------------


def test_the_bridge_says_the_notice_then_dials_the_debtor_recorded() -> None:
    root = ET.fromstring(
        bridge_twiml(
            notice=NOTICE,
            locale="zh-CN",
            debtor=DEBTOR,
            caller_id=CALLER_ID,
            callback_base=BASE,
            record=True,
        )
    )

    say, dial = list(root)
    assert (say.tag, say.text) == ("Say", NOTICE)
    assert say.get("language") == "cmn-CN"
    assert say.get("voice") == "Polly.Zhiyu-Neural"
    assert dial.tag == "Dial"
    assert dial.get("callerId") == CALLER_ID
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == f"{BASE}/recording"
    assert dial.get("action") == f"{BASE}/dial"
    [number] = list(dial)
    assert (number.tag, number.text) == ("Number", DEBTOR)
    assert number.get("statusCallback") == f"{BASE}/status/debtor"
    assert number.get("statusCallbackEvent") == "initiated ringing answered completed"
    assert number.get("url") == f"{BASE}/notice"
    assert number.get("machineDetection") == "Enable"


def test_without_recording_the_dial_has_no_record_attributes() -> None:
    root = ET.fromstring(
        bridge_twiml(
            notice="This call is recorded.",
            locale="en-US",
            debtor=DEBTOR,
            caller_id=CALLER_ID,
            callback_base=BASE,
            record=False,
        )
    )
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("record") is None and dial.get("recordingStatusCallback") is None
    say = root.find("Say")
    assert say is not None and (say.get("language"), say.get("voice")) == (
        "en-US",
        "Polly.Joanna-Neural",
    )


def test_reminder_notice_and_hangup_twiml() -> None:
    reminder = ET.fromstring(reminder_twiml("Please call us.", "en-US"))
    assert [(v.tag, v.text) for v in reminder] == [("Say", "Please call us."), ("Hangup", None)]
    notice = ET.fromstring(notice_twiml(NOTICE, "zh-CN"))
    assert [(v.tag, v.text) for v in notice] == [("Say", NOTICE)]
    assert [v.tag for v in ET.fromstring(hangup_twiml())] == ["Hangup"]


@pytest.mark.parametrize(
    ("answered_by", "said"),
    [
        ("human", "full"),
        ("machine_end_beep", "voicemail"),
        ("machine_end_silence", "voicemail"),
        ("unknown", "voicemail"),
        (None, "voicemail"),
        ("machine_start", None),
        ("fax", None),
    ],
)
def test_what_an_answered_reminder_says(answered_by: str | None, said: str | None) -> None:
    assert reminder_text(answered_by, "full", "voicemail") == said


def test_a_machine_gets_nothing_when_there_is_no_voicemail_version() -> None:
    assert reminder_text("machine_end_beep", "full", None) is None


# -- callbacks -----------------------------------------------------------------------------


def test_progress_callbacks_are_not_final() -> None:
    update = parse_call_status({"CallSid": "CA1", "CallStatus": "ringing"}, CallLeg.DEBTOR)
    assert (update.kind, update.leg, update.call_sid, update.final) == (
        CallbackKind.STATUS,
        CallLeg.DEBTOR,
        "CA1",
        False,
    )
    assert update.outcome is None


@pytest.mark.parametrize(
    ("status", "answered_by", "outcome"),
    [
        ("completed", "human", CallOutcome.ANSWERED),
        ("completed", None, CallOutcome.ANSWERED),
        ("completed", "machine_end_beep", CallOutcome.MACHINE),
        ("completed", "fax", CallOutcome.MACHINE),
        ("busy", None, CallOutcome.BUSY),
        ("no-answer", None, CallOutcome.NO_ANSWER),
        ("failed", None, CallOutcome.UNCONNECTED),
        ("canceled", None, CallOutcome.CANCELED),
    ],
)
def test_final_callbacks_say_how_the_leg_ended(
    status: str, answered_by: str | None, outcome: CallOutcome
) -> None:
    form = {"CallSid": "CA1", "CallStatus": status, "CallDuration": "42"}
    if answered_by:
        form["AnsweredBy"] = answered_by
    update = parse_call_status(form, CallLeg.DEBTOR)
    assert update.final and update.outcome is outcome
    assert update.duration_s == 42
    assert update.answered_by == answered_by


@pytest.mark.parametrize(
    "form",
    [{"CallStatus": "ringing"}, {"CallSid": "CA1"}, {"CallSid": "CA1", "CallStatus": "ringed"}],
)
def test_malformed_status_callbacks_are_refused(form: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        parse_call_status(form, CallLeg.COLLECTOR)


def test_unknown_legs_are_refused() -> None:
    assert parse_leg("collector") is CallLeg.COLLECTOR
    with pytest.raises(ValueError):
        parse_leg("bystander")


def test_recording_and_dial_callbacks() -> None:
    recording = parse_recording(
        {"CallSid": "CA1", "RecordingSid": "RE1", "RecordingStatus": "completed",
         "RecordingDuration": "40", "RecordingUrl": "https://api.twilio.com/r/RE1"}
    )  # fmt: skip
    assert (recording.kind, recording.final, recording.recording_ref) == (
        CallbackKind.RECORDING,
        True,
        "RE1",
    )
    dial = parse_dial_action(
        {"CallSid": "CA1", "DialCallSid": "CA2", "DialCallStatus": "no-answer",
         "DialCallDuration": "0"}
    )  # fmt: skip
    assert (dial.leg, dial.call_sid, dial.outcome) == (
        CallLeg.DEBTOR,
        "CA2",
        CallOutcome.NO_ANSWER,
    )
    assert (
        dial.key
        != parse_call_status({"CallSid": "CA2", "CallStatus": "no-answer"}, CallLeg.DEBTOR).key
    )


# -- sending -------------------------------------------------------------------------------


async def test_a_collector_call_rings_the_collector_with_the_bridge_inline(
    fake_twilio: FakeTwilio, voice_channel: TwilioVoiceChannel
) -> None:
    receipt = await voice_channel.send(bridge_call())

    [request] = fake_twilio.requests
    form = request.form
    assert request.path.endswith("/Calls.json")
    assert form["To"] == COLLECTOR.phone
    assert form["From"] == CALLER_ID
    assert form["StatusCallback"] == f"{BASE}/status/collector"
    assert "Url" not in form
    number = ET.fromstring(form["Twiml"]).find("Dial/Number")
    assert number is not None and number.text == DEBTOR
    assert receipt.provider == "twilio"
    assert receipt.provider_message_id in fake_twilio.calls
    assert receipt.status is DeliveryStatus.ACCEPTED
    assert receipt.detail == {"twilio_status": "queued", "leg": "collector"}


async def test_a_reminder_rings_the_debtor_and_waits_out_a_greeting(
    fake_twilio: FakeTwilio, voice_channel: TwilioVoiceChannel
) -> None:
    receipt = await voice_channel.send(reminder_call())

    form = fake_twilio.requests[0].form
    assert form["To"] == DEBTOR
    assert form["From"] == CALLER_ID
    assert form["Url"] == f"{BASE}/twiml"
    assert form["MachineDetection"] == "DetectMessageEnd"
    assert form["StatusCallback"] == f"{BASE}/status/debtor"
    assert "Twiml" not in form
    assert receipt.detail["leg"] == "debtor"


async def test_every_progress_event_is_asked_for(fake_twilio: FakeTwilio) -> None:
    channel = TwilioVoiceChannel(
        TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
    )  # fmt: skip
    try:
        await channel.send(reminder_call())
    finally:
        await channel.aclose()
    # The SDK sends StatusCallbackEvent repeated; the fake keeps the call's set of events.
    [call] = fake_twilio.calls.values()
    assert call.events == {"initiated", "ringing", "answered", "completed"}
    assert call.from_ == TEST_FROM_NUMBER  # no caller id: the from number


@pytest.mark.parametrize(
    ("status", "code", "kind", "expected_code"),
    [
        (429, None, TransientChannelError, "20429"),
        (500, None, AmbiguousChannelError, "20500"),
        (503, None, TransientChannelError, "20503"),
        (400, 21211, PermanentChannelError, "21211"),
        (400, 13224, PermanentChannelError, "13224"),
        (400, 21215, PermanentChannelError, "21215"),
        (401, None, PermanentChannelError, "20003"),
    ],
)
async def test_provider_errors_are_transient_or_permanent(
    fake_twilio: FakeTwilio,
    voice_channel: TwilioVoiceChannel,
    status: int,
    code: int | None,
    kind: type[Exception],
    expected_code: str,
) -> None:
    fake_twilio.respond_next(status=status, code=code)

    with pytest.raises(kind) as caught:
        await voice_channel.send(bridge_call())

    assert getattr(caught.value, "code", None) == expected_code


async def test_an_invalid_number_is_refused_by_twilio_as_permanent(
    voice_channel: TwilioVoiceChannel,
) -> None:
    with pytest.raises(PermanentChannelError) as caught:
        await voice_channel.send(bridge_call(collectors=(CollectorContact("c", "C", "12345"),)))
    assert caught.value.code == "21211"


async def test_a_refused_connection_is_a_transient_network_error() -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        gone = fake.base_url  # the port is closed once the fake stops
    channel = TwilioVoiceChannel(
        TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER, api_base_url=gone
    )
    try:
        with pytest.raises(TransientChannelError) as caught:
            await channel.send(bridge_call())
    finally:
        await channel.aclose()
    assert caught.value.code == "network"


async def test_a_call_without_its_callback_base_is_refused_before_twilio(
    fake_twilio: FakeTwilio, voice_channel: TwilioVoiceChannel
) -> None:
    with pytest.raises(PermanentChannelError):
        await voice_channel.send(bridge_call(status_callback_url=None))
    assert fake_twilio.requests == []


def test_the_auth_token_never_shows() -> None:
    channel = TwilioVoiceChannel(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER)
    assert TEST_AUTH_TOKEN not in repr(channel)
