"""Sends whose outcome is not known are recorded as unknown and settled by asking — never
resent blindly, never settled by guessing; tries are counted in the contact log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dispatcher.client import MessageView
from dispatcher.domain import PENDING, EventSource, MessageStatus
from tests.dispatcher.conftest import Stack


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {
        "auto_callbacks": False,
        "sweep_grace_s": 0.0,
        "sending_timeout_s": 0.0,
        "provider_lookup_after_s": 0.0,
        "delivery_check_after_s": 0.0,
        "twilio_timeout_s": 0.5,
    }


def creates(stack: Stack) -> int:
    """Create requests Twilio received (the worker's own periodic sweep may also run during
    a test: intermediate states are read from the events, which stay)."""
    return len([r for r in stack.twilio.requests if r.method == "POST"])


def last_reason(view: MessageView) -> str:
    return str(view.events[-1].detail.get("error_text") or view.events[-1].detail)


async def test_a_timeout_after_twilio_took_the_text_is_unknown_then_found(stack: Stack) -> None:
    # Given Twilio takes the text but answers only after our timeout
    stack.twilio.respond_next(201, delay_s=2.0, after_create=True)
    message_id = await stack.send()

    # When the worker sends it, the outcome is unknown and it is not sent again
    await stack.run_worker()
    view = await stack.view(message_id)
    # (the worker's own periodic sweep may already have settled it: the event stays)
    unknown = [e for e in view.events if e.status == "unknown"]
    assert [e.detail["error_code"] for e in unknown] == ["timeout"]
    assert creates(stack) == 1

    # Then the sweep finds Twilio's record, the only one it could be, and settles it
    await stack.sweep()
    view = await stack.view(message_id)
    (sid,) = stack.twilio.messages
    assert (view.status, view.message["provider_message_id"]) == ("sent", sid)
    assert view.message["error_code"] is None
    assert creates(stack) == 1


async def test_a_500_after_the_request_left_is_unknown_and_its_callback_settles_it(
    stack: Stack,
) -> None:
    stack.twilio.respond_next(500, after_create=True)
    message_id = await stack.send()

    await stack.run_worker()
    assert any(e.status == "unknown" for e in (await stack.view(message_id)).events)
    (sid,) = stack.twilio.messages

    await stack.twilio.send_status_callback(sid, "delivered")
    view = await stack.view(message_id)
    assert (view.status, view.message["provider_message_id"]) == ("delivered", sid)
    assert creates(stack) == 1


async def test_a_503_storm_never_exceeds_the_tries_even_with_an_eager_sweep(
    stack: Stack,
) -> None:
    # Given Twilio answering 503 to everything, and a sweep with no grace at all
    tries = stack.settings.send_max_tries
    for _ in range(tries * 4):
        stack.twilio.respond_next(503)
    message_id = await stack.send()

    # When workers and sweeps run while the message waits for its retries
    for _ in range(tries + 2):
        await stack.sweep()
        await stack.run_worker()

    # Then Twilio was asked exactly SEND_MAX_TRIES times, and the log says it gave up
    view = await stack.view(message_id)
    assert creates(stack) == tries
    assert view.status == "failed"
    assert view.message["attempts"] == tries
    assert view.message["error_text"].startswith(f"gave up after {tries} tries")


async def test_an_identical_text_already_sent_never_settles_one_that_never_left(
    stack: Stack,
) -> None:
    # Given the same text already went to the same number (recorded with its id)
    first = await stack.send(idempotency_key="first")
    await stack.run_worker()
    first_sid = (await stack.view(first)).message["provider_message_id"]
    # and an identical message whose worker died after the claim, before Twilio
    second = await stack.send(idempotency_key="second")
    content = (await stack.view(first)).message["content"]
    assert await stack.log.transition(
        second, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER,
        content=content, attempted_at=stack.clock.now(), attempts=1,
    )  # fmt: skip

    # When the sweep asks Twilio, the first one's record is not the second one's
    await stack.sweep()
    assert (await stack.view(second)).status == "queued"
    await stack.run_worker()

    # Then the second was sent once, with an id of its own
    view = await stack.view(second)
    assert view.status == "sent"
    assert view.message["provider_message_id"] not in {None, first_sid}
    assert creates(stack) == 2


async def test_one_record_for_two_identical_unsettled_texts_settles_neither(
    stack: Stack,
) -> None:
    # Given two identical texts left "sending" and Twilio holding one record of that text
    first = await stack.send(idempotency_key="first")
    await stack.run_worker()
    view = await stack.view(first)
    content, sid = view.message["content"], view.message["provider_message_id"]
    await stack.log.transition(
        first, expect={MessageStatus.SENT}, to=MessageStatus.SENDING,
        source=EventSource.WORKER, provider_message_id=None,
    )  # fmt: skip
    second = await stack.send(idempotency_key="second")
    await stack.log.transition(
        second, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER,
        content=content, attempted_at=stack.clock.now(), attempts=1,
    )  # fmt: skip

    # When the sweep asks Twilio
    await stack.sweep()

    # Then neither is guessed: both are unknown, and say why
    for message_id in (first, second):
        view = await stack.view(message_id)
        assert view.status == "unknown"
        assert view.message["provider_message_id"] is None
        assert "which record is whose cannot be told" in last_reason(view)
        assert sid in last_reason(view)
    assert creates(stack) == 1

    # And Twilio's callback, addressed to the first one, still settles it
    await stack.twilio.send_status_callback(sid, "delivered")
    assert (await stack.view(first)).status == "delivered"


@pytest.mark.parametrize("skew_minutes", [-10, 10])
async def test_a_provider_clock_off_by_minutes_changes_nothing(
    stack: Stack, skew_minutes: int
) -> None:
    # Given Twilio's clock minutes away from ours, and a crash after it took the text
    ours = stack.clock.now
    stack.twilio.now = lambda: ours() + timedelta(minutes=skew_minutes)
    message_id = await stack.send()
    await stack.run_worker()
    sid = (await stack.view(message_id)).message["provider_message_id"]
    await stack.log.transition(
        message_id, expect={MessageStatus.SENT}, to=MessageStatus.SENDING,
        source=EventSource.WORKER, provider_message_id=None,
    )  # fmt: skip

    # When the sweep asks, it finds it: not resent, whatever the clocks say
    await stack.sweep()
    view = await stack.view(message_id)
    assert (view.status, view.message["provider_message_id"]) == ("sent", sid)
    assert creates(stack) == 1


async def test_a_lost_delivery_callback_is_asked_for(stack: Stack) -> None:
    # Given a text Twilio delivered, whose callback never reached us
    message_id = await stack.send()
    await stack.run_worker()
    view = await stack.view(message_id)
    stack.twilio.messages[view.message["provider_message_id"]].status = "delivered"

    # When the sweep asks after texts still "sent"
    await stack.sweep()

    # Then the log says delivered, told by the sweep
    view = await stack.view(message_id)
    assert view.status == "delivered"
    assert view.events[-1].source == "sweep"


async def test_no_news_yet_is_asked_again_later_without_an_event(stack: Stack) -> None:
    message_id = await stack.send()
    await stack.run_worker()
    events = len((await stack.view(message_id)).events)

    await stack.sweep()

    view = await stack.view(message_id)
    assert view.status == "sent"
    assert len(view.events) == events


async def test_a_record_with_another_text_is_not_taken_for_never_sent(stack: Stack) -> None:
    # Given a text left "sending", and Twilio holding an unclaimed message to that number
    # with a text that is not quite ours (a provider may re-encode characters)
    message_id = await stack.send()
    assert await stack.log.transition(
        message_id, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER,
        content="Your balance is due", attempted_at=stack.clock.now(), attempts=1,
    )  # fmt: skip
    stack.twilio._new_message(  # the record, as if Twilio had taken and re-encoded it
        stack.settings.twilio_account_sid,
        {"To": "+12015550123", "From": "+15005550006", "Body": "Your balance is due."},
    )

    # When the sweep asks, it neither resends nor guesses
    await stack.sweep()

    view = await stack.view(message_id)
    assert view.status == "unknown"
    assert "it may have re-encoded ours" in last_reason(view)
    assert creates(stack) == 0
