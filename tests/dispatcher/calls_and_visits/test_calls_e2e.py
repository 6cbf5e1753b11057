"""Calls end to end: client → contact log → worker → Twilio SDK → fake Twilio, which plays
the call out and calls back, signed, to the webhook server → contact log.

On SQLite and PostgreSQL. The fake rings each number as ``call_plan`` says.
"""

from __future__ import annotations

import asyncio
import dataclasses
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import ClientSession
from twilio.request_validator import RequestValidator

from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.process.worker import create_worker
from tests.dispatcher.conftest import Stack
from tests.fakes.fixtures import TEST_FROM_NUMBER

DEBTOR = "+12015550123"
COLLECTOR = "+12015550188"
VARIABLES: dict[str, Any] = {
    "company_name": "Harbor Recovery",
    "debtor_name": "Maria Garcia",
    "amount": "1240.00",
    "currency": "USD",
    "due_date": "2026-11-15",
    "contact_phone": "(800) 555-0199",
}
NOTICE = "This is Harbor Recovery. This call is recorded for quality and compliance."


async def add_collector(stack: Stack, collector_id: str = "c-17") -> str:
    await stack.log.collectors.upsert(
        collector_id, name="Li Na", phone=COLLECTOR, team="east",
        trained_on=date(2026, 1, 5), credential_expires=date(2027, 12, 31),
    )  # fmt: skip
    return collector_id


async def collector_call(stack: Stack, key: str = "call-1") -> str:
    collector_id = await add_collector(stack)
    request = MessageRequest(
        channel="voice", template="collector_call", locale="en-US", destination=DEBTOR,
        debtor_ref="D-1", account_ref="A-1", collector_id=collector_id,
        variables={"company_name": "Harbor Recovery"}, idempotency_key=key,
    )  # fmt: skip
    return (await stack.client.send(request)).message_id


async def voice_reminder(stack: Stack, key: str = "reminder-1") -> str:
    request = MessageRequest(
        channel="voice", template="payment_reminder", locale="en-US", destination=DEBTOR,
        debtor_ref="D-1", account_ref="A-1", variables=dict(VARIABLES), idempotency_key=key,
    )  # fmt: skip
    return (await stack.client.send(request)).message_id


@dataclass(frozen=True)
class Logged:
    """A message and its events, as the contact log holds them."""

    message: Message
    events: list[MessageEvent]

    @property
    def status(self) -> str:
        return self.message.status


async def logged(stack: Stack, message_id: str) -> Logged:
    return Logged(await stack.log.get(message_id), await stack.log.events(message_id))


async def settled(stack: Stack, message_id: str) -> Logged:
    """The message once the fake has played the call out and every callback landed."""
    for _ in range(200):
        await stack.twilio.wait_for_callbacks()
        now = await logged(stack, message_id)
        if now.message.result is not None and not stack.twilio._state.tasks:
            return now
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} never settled: {now.status}")


def legs_seen(view: Logged) -> set[tuple[str, str]]:
    return {
        (e.detail["leg"], e.detail["call_status"])
        for e in view.events
        if e.source == "webhook" and e.detail.get("kind") == "status"
    }


def columns(view: Logged) -> dict[str, Any]:
    return {c.name: getattr(view.message, c.name) for c in Message.__table__.columns}


async def test_a_collector_call_the_debtor_answers_is_logged_with_both_legs(stack: Stack) -> None:
    # Given a collector asks to call a debtor
    message_id = await collector_call(stack)

    # When the worker places the call and both answer
    await stack.run_worker()
    view = await settled(stack, message_id)

    # Then Twilio rang the collector first, with the bridge in inline TwiML
    [request] = stack.twilio.requests
    assert request.form["To"] == COLLECTOR
    assert request.form["From"] == TEST_FROM_NUMBER
    base = stack.settings.voice_callback_base(message_id)
    assert request.form["StatusCallback"] == f"{base}/status/collector"
    number = ET.fromstring(request.form["Twiml"]).find("Dial/Number")
    assert number is not None and number.text == DEBTOR
    # And the notice was said to the collector, and to the debtor once they answered
    parent = stack.twilio.calls[request_sid(view)]
    [debtor_leg] = stack.twilio.children(parent.sid)
    assert parent.said == [NOTICE]
    assert debtor_leg.said == [NOTICE]
    # And the log says delivered / answered, with duration, who answered and the recording
    message = view.message
    assert (message.status, message.result) == ("delivered", "answered")
    assert message.provider_message_id == parent.sid
    assert message.duration_s == stack.twilio.call_duration_s
    assert message.answered_by == "human"
    assert (message.recording_ref or "").startswith("RE")
    seen = legs_seen(view)
    assert {("collector", s) for s in ("initiated", "ringing", "in-progress", "completed")} <= seen
    assert {("debtor", s) for s in ("initiated", "ringing", "in-progress", "completed")} <= seen
    assert all(cb.response_status in {200, 204} for cb in stack.twilio.callbacks)
    # And every raw callback is kept
    assert any(e.detail.get("twilio", {}).get("CallSid") == debtor_leg.sid for e in view.events)


def request_sid(view: Logged) -> str:
    return str(view.message.provider_message_id)


async def test_a_busy_debtor_is_undelivered_busy(stack: Stack) -> None:
    stack.twilio.call_plan[DEBTOR] = "busy"
    message_id = await collector_call(stack)

    await stack.run_worker()
    view = await settled(stack, message_id)

    assert (view.status, view.message.result) == ("undelivered", "busy")
    assert view.message.recording_ref is None
    assert ("debtor", "busy") in legs_seen(view)


async def test_a_collector_who_never_answers_fails_the_call_without_counting(
    stack: Stack,
) -> None:
    stack.twilio.call_plan[COLLECTOR] = "no-answer"
    message_id = await collector_call(stack)

    await stack.run_worker()
    view = await settled(stack, message_id)

    message = view.message
    assert (message.status, message.result) == ("failed", "failed")
    assert message.error_code == "collector_unreachable"
    assert stack.twilio.children(request_sid(view)) == []  # the debtor was never rung
    assert not any(leg == "debtor" for leg, _ in legs_seen(view))


async def test_a_reminder_answered_by_a_machine_leaves_the_voicemail_version(
    stack: Stack,
) -> None:
    stack.twilio.call_plan[DEBTOR] = "machine"
    message_id = await voice_reminder(stack)

    await stack.run_worker()
    view = await settled(stack, message_id)

    [request] = stack.twilio.requests
    base = stack.settings.voice_callback_base(message_id)
    assert request.form["To"] == DEBTOR
    assert request.form["Url"] == f"{base}/twiml"
    assert request.form["MachineDetection"] == "DetectMessageEnd"
    call = stack.twilio.calls[request_sid(view)]
    assert call.said == [
        "Hello, this message is for Maria Garcia. Please call us back at (800) 555-0199. Thank you."
    ]
    message = view.message
    assert (message.status, message.result) == ("delivered", "voicemail")
    assert message.answered_by == "machine_end_beep"
    assert "1240" not in call.said[0]  # the debt is never left on a machine


async def test_a_reminder_a_person_answers_hears_the_full_reminder(stack: Stack) -> None:
    message_id = await voice_reminder(stack)

    await stack.run_worker()
    view = await settled(stack, message_id)

    call = stack.twilio.calls[request_sid(view)]
    assert call.said == [view.message.content]
    assert "$1,240.00" in call.said[0]
    assert (view.status, view.message.result) == ("delivered", "answered")


async def test_forged_and_unsigned_voice_callbacks_are_refused_and_change_nothing(
    stack: Stack,
) -> None:
    stack.twilio.auto_callbacks = False
    message_id = await voice_reminder(stack)
    await stack.run_worker()
    before = await logged(stack, message_id)
    assert before.status == "sent"
    base = stack.settings.voice_callback_base(message_id)
    params = {"CallSid": request_sid(before), "CallStatus": "completed", "CallDuration": "9"}

    async with ClientSession() as http:
        for path in ("status/debtor", "recording", "dial", "twiml", "notice"):
            unsigned = await http.post(f"{base}/{path}", data=params)
            forged = await http.post(
                f"{base}/{path}", data=params, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}
            )
            assert (unsigned.status, forged.status) == (403, 403), path

    after = await logged(stack, message_id)
    assert columns(after) == columns(before)
    assert len(after.events) == len(before.events)


async def test_replayed_and_late_callbacks_change_nothing(stack: Stack) -> None:
    # Given a bridged call fully played out and logged
    message_id = await collector_call(stack)
    await stack.run_worker()
    settled_view = await settled(stack, message_id)

    # When Twilio replays every callback it sent, in reverse order
    async with ClientSession() as http:
        for attempt in reversed(stack.twilio.callbacks):
            if attempt.url.endswith(("/twiml", "/notice", "/dial")):
                continue
            signature = RequestValidator(stack.twilio.auth_token).compute_signature(
                attempt.url, attempt.params
            )
            response = await http.post(
                attempt.url, data=attempt.params, headers={"X-Twilio-Signature": signature}
            )
            assert response.status == 204

    # Then the log is exactly as it was
    again = await logged(stack, message_id)
    assert columns(again) == columns(settled_view)
    assert len(again.events) == len(settled_view.events)


# -- a call whose outcome is unknown ----------------------------------------------------


async def test_a_call_timed_out_after_twilio_placed_it_is_found_not_placed_again(
    stack: Stack,
) -> None:
    # Given Twilio places the collector's call but answers after our timeout
    stack.twilio.respond_next(201, delay_s=3.0, after_create=True)
    message_id = await collector_call(stack)
    await run_with_short_timeout(stack)
    assert any(e.status == "unknown" for e in (await stack.view(message_id)).events)

    # When the sweep asks Twilio for the calls to the collector's phone
    await stack.sweep()

    # Then it finds the one call, and it was placed once
    view = await stack.view(message_id)
    (placed,) = [c for c in stack.twilio.calls.values() if c.parent_sid is None]
    assert (view.status, view.message["provider_message_id"]) == ("sent", placed.sid)
    assert len([r for r in stack.twilio.requests if r.method == "POST"]) == 1


async def test_a_reminder_whose_worker_died_before_twilio_is_placed_once(stack: Stack) -> None:
    # Given an automated call claimed for placing, whose worker died before calling Twilio
    message_id = await voice_reminder(stack)
    await stack.log.transition(
        message_id, expect={"queued"}, to="sending", source="worker",  # type: ignore[arg-type]
        content="(call script)", attempted_at=stack.clock.now(), attempts=1,
    )  # fmt: skip

    # When the sweep asks Twilio, which has no call to the number, it is queued again
    await stack.sweep(sending_timeout_s=0.0)
    assert (await stack.view(message_id)).status == "queued"
    await stack.run_worker()

    # Then it is placed, once
    assert len([r for r in stack.twilio.requests if r.method == "POST"]) == 1


async def run_with_short_timeout(stack: Stack) -> None:
    worker = create_worker(
        dataclasses.replace(stack.settings, twilio_timeout_s=0.5, provider_lookup_after_s=0.0),
        redis_url=stack.redis_url, clock=stack.clock, poll_delay=0.002, handle_signals=False,
    )  # fmt: skip
    await worker.run_until_idle(horizon_s=1.0)
