"""The whole pipeline: client → contact log → Redis → worker → Twilio SDK → fake Twilio →
signed status callbacks → webhook → contact log. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from dispatcher.client import MessageView
from tests.dispatcher.conftest import Stack
from tests.fakes.fixtures import TEST_FROM_NUMBER


async def wait_for_status(stack: Stack, message_id: str, status: str) -> MessageView:
    await stack.twilio.wait_for_callbacks()
    for _ in range(100):
        view = await stack.view(message_id)
        if view.status == status:
            return view
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} is {view.status}, never became {status}")


async def test_a_reminder_goes_out_and_its_delivery_is_logged(stack: Stack) -> None:
    # Given a reminder enqueued by the strategy module
    message_id = await stack.send(idempotency_key="e2e-1")

    # When a worker runs and Twilio calls back
    await stack.run_worker()
    view = await wait_for_status(stack, message_id, "delivered")

    # Then Twilio received exactly one correct request
    assert len(stack.twilio.requests) == 1
    sent = stack.twilio.requests[0].form
    assert sent["To"] == "+12015550123"
    assert sent["From"] == TEST_FROM_NUMBER
    assert sent["Body"].startswith("Harbor Recovery")
    assert sent["StatusCallback"] == stack.settings.status_callback_url("twilio", message_id)
    # And the contact log holds the rendered content, provider id and every step
    message = view.message
    assert message["provider"] == "twilio"
    assert message["provider_message_id"] in stack.twilio.messages
    assert message["content"] == sent["Body"]
    assert len(message["template_version"]) == 16
    assert message["verdict"]["decision"] == "allow"
    assert message["attempts"] == 1
    statuses = [(e.source, e.status) for e in view.events]
    assert statuses[0] == ("api", "queued")
    assert ("worker", "sending") in statuses
    assert statuses[-1] == ("webhook", "delivered")
    assert all(cb.response_status == 204 for cb in stack.twilio.callbacks)


async def test_a_batch_of_mixed_locales_all_goes_out(stack: Stack) -> None:
    from tests.dispatcher.conftest import reminder

    requests = [
        reminder(idempotency_key=f"batch-{i}", debtor_ref=f"D-{i}") for i in range(20)
    ] + [
        reminder(
            idempotency_key=f"batch-zh-{i}",
            debtor_ref=f"D-zh-{i}",  # one text each: the org pack caps texts per debtor
            locale="zh-CN",
            destination="+86 138 0013 8000",
            variables={
                "company_name": "安信资产",
                "debtor_name": "王伟",
                "amount": "3250.00",
                "currency": "CNY",
                "due_date": "2026-11-15",
                "days_overdue": 12,
                "contact_phone": "400-820-1234",
            },
        )
        for i in range(5)
    ]
    accepted = await stack.client.send_many(requests)
    await stack.run_worker()
    await stack.twilio.wait_for_callbacks()

    assert len(stack.twilio.requests) == 25
    bodies = [r.form["Body"] for r in stack.twilio.requests]
    assert sum(body.startswith("【安信资产】") for body in bodies) == 5
    for a in accepted:
        assert (await wait_for_status(stack, a.message_id, "delivered")).status == "delivered"


async def test_a_forbidden_phrase_smuggled_in_through_a_variable_is_blocked(stack: Stack) -> None:
    from tests.dispatcher.conftest import reminder

    variables = {**reminder().variables, "debtor_name": "deadbeat J a i l-bird"}
    message_id = (await stack.client.send(reminder(variables=variables))).message_id

    await stack.run_worker()

    message = (await stack.view(message_id)).message
    assert message["status"] == "blocked"
    assert message["verdict"]["rule_id"] == "civility.lexicon"
    assert "deadbeat" in message["verdict"]["reason"]
    assert len(stack.twilio.requests) == 0
