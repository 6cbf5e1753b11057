"""Provider errors: ones that say the request was not processed (429, 503) are retried
with backoff (bounded), permanent ones not; a 500 is ambiguous (test_unsettled_sends)."""

from __future__ import annotations

from tests.dispatcher.conftest import Stack


async def test_a_503_then_201_sends_once_after_one_recorded_retry(stack: Stack) -> None:
    stack.twilio.respond_next(503)
    message_id = await stack.send()

    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status in {"sent", "delivered"}
    assert len(stack.twilio.requests) == 2
    assert len(stack.twilio.messages) == 1
    retries = [e for e in view.events if "retry" in e.detail]
    assert len(retries) == 1
    assert retries[0].detail["error_code"] in {"20503", "503"}
    assert view.message["attempts"] == 2


async def test_an_invalid_number_fails_at_once_without_retry(stack: Stack) -> None:
    stack.twilio.respond_next(400, code=21211, message="Invalid 'To' Phone Number")
    message_id = await stack.send()

    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status == "failed"
    assert view.message["error_code"] == "21211"
    assert view.message["error_retryable"] is False
    assert len(stack.twilio.requests) == 1


async def test_an_unsubscribed_recipient_is_never_texted_again(stack: Stack) -> None:
    stack.twilio.respond_next(400, code=21610, message="Attempt to send to unsubscribed recipient")
    first = await stack.send(idempotency_key="first")
    await stack.run_worker()
    second = await stack.send(idempotency_key="second")
    await stack.run_worker()

    assert (await stack.view(first)).message["error_code"] == "21610"
    blocked = (await stack.view(second)).message
    assert blocked["status"] == "blocked"
    assert blocked["verdict"]["rule_id"] == "hold.active"
    assert blocked["verdict"]["reason"].startswith("opt_out hold on destination +12015550123")
    assert "provider:twilio:21610" in blocked["verdict"]["reason"]
    assert len(stack.twilio.requests) == 1


async def test_retries_are_bounded(stack: Stack) -> None:
    tries = stack.settings.send_max_tries
    for _ in range(tries + 2):
        stack.twilio.respond_next(429)
    message_id = await stack.send()

    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status == "failed"
    assert view.message["error_retryable"] is True
    assert "gave up after" in view.message["error_text"]
    assert len(stack.twilio.requests) == tries
