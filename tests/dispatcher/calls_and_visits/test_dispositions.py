"""Dispositions: what a collector records after a call, and what each one sets in motion."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.calls_and_visits.dispositions import (
    NotOnTheCall,
    OutcomeConflict,
    record_disposition,
)
from dispatcher.client import DispatcherClient
from dispatcher.clock import ShiftedClock
from dispatcher.contactlog.calls import CallWindow, collector_calls
from dispatcher.contactlog.models import Hold, Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.errors import InvalidRequest
from dispatcher.settings import Settings
from tests.dispatcher.conftest import ALLOWED_EVERYWHERE

DESTINATION = "+12015550123"  # New Jersey: America/New_York


@pytest.fixture
async def client(
    tmp_path: Path, engine: AsyncEngine, redis_url: str
) -> AsyncIterator[DispatcherClient]:
    """The strategy module's client on a real database and Redis, its clock on a Monday."""
    settings = Settings.from_env(
        {},
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        redis_url=redis_url,
    )
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    log = ContactLog(engine, ShiftedClock(ALLOWED_EVERYWHERE))
    for collector_id in ("c-1", "c-2"):  # trained: an untrained one is refused at enqueue
        await log.collectors.upsert(
            collector_id, name=collector_id, phone="+12015550101", trained_on=date(2026, 1, 5)
        )
    yield DispatcherClient(settings, contact_log=log, redis=redis)
    await redis.aclose()


def call(**overrides: Any) -> MessageRequest:
    fields: dict[str, Any] = {
        "channel": "voice",
        "template": "collector_call",
        "locale": "en-US",
        "destination": DESTINATION,
        "debtor_ref": "D-1",
        "account_ref": "A-1",
        "collector_id": "c-1",
        "variables": {
            "company_name": "Harbor Recovery",
            "debtor_name": "Maria Garcia",
            "contact_phone": "(800) 555-0199",
            "currency": "USD",
        },
    }
    return MessageRequest(**{**fields, **overrides})


async def placed_call(
    client: DispatcherClient, *, result: str | None = "answered", **overrides: Any
) -> str:
    """A call the collector placed (moved to sent as the voice channel would)."""
    message_id = (await client.send(call(**overrides))).message_id
    moved = await client.log.transition(
        message_id, expect={MessageStatus.QUEUED}, to=MessageStatus.SENT,
        source=EventSource.WORKER, result=result,
    )  # fmt: skip
    assert moved
    return message_id


async def rows(client: DispatcherClient, template: str) -> list[Message]:
    async with client.log.engine.connect() as conn:
        found = await conn.execute(
            select(Message.__table__).where(Message.template_name == template)
        )
        return [Message(**r._asdict()) for r in found]


async def holds(client: DispatcherClient) -> list[Hold]:
    async with client.log.engine.connect() as conn:
        return [Hold(**r._asdict()) for r in await conn.execute(select(Hold.__table__))]


async def jobs_for(client: DispatcherClient, message_id: str) -> int:
    queued = await client.redis.zrange("arq:queue", 0, -1)
    return sum(1 for job in queued if job.decode().startswith(message_id))


async def test_right_party_makes_the_call_a_conversation(client: DispatcherClient) -> None:
    message_id = await placed_call(client)

    recorded = await record_disposition(
        client, message_id, kind="right_party", by_collector="c-1",
        details={"note": "spoke with the debtor; will call back next week"},
    )  # fmt: skip

    stored = await client.log.get(message_id)
    assert stored.result == "conversation" == recorded.result
    assert stored.status == "sent"
    assert stored.disposition is not None
    assert stored.disposition["kind"] == "right_party"
    assert stored.disposition["by"] == "c-1"
    assert stored.disposition["note"].startswith("spoke with")
    last = (await client.log.events(message_id))[-1]
    assert last.source == "api" and last.detail["disposition"]["kind"] == "right_party"


async def test_promise_to_pay_enqueues_one_reminder_the_morning_of_the_date(
    client: DispatcherClient,
) -> None:
    message_id = await placed_call(client)
    details = {"amount": "500.00", "date": "2026-12-05", "note": "pays on Friday"}

    first = await record_disposition(
        client, message_id, kind="promise_to_pay", by_collector="c-1", details=details
    )
    with pytest.raises(OutcomeConflict, match="disposition already"):
        await record_disposition(
            client, message_id, kind="promise_to_pay", by_collector="c-1", details=details
        )

    reminders = await rows(client, "promise_to_pay_reminder")
    assert len(reminders) == 1
    reminder = reminders[0]
    assert [a.message_id for a in first.follow_ups] == [reminder.id]
    assert reminder.channel == "sms" and reminder.destination == DESTINATION
    assert reminder.idempotency_key == f"disposition:{message_id}:promise_to_pay_reminder"
    assert reminder.scheduled_for == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 09:00 in NY
    assert reminder.variables["promise_amount"] == "500.00"
    assert reminder.variables["debtor_name"] == "Maria Garcia"
    assert await jobs_for(client, reminder.id) == 1
    assert (await client.log.get(message_id)).result == "conversation"


async def test_callback_requested_schedules_the_same_collectors_call_once(
    client: DispatcherClient,
) -> None:
    message_id = await placed_call(client, result="answered")
    at = client.log.clock.now() + timedelta(hours=3)

    await record_disposition(
        client, message_id, kind="callback_requested", by_collector="c-1",
        details={"callback_at": at.isoformat()},
    )  # fmt: skip
    with pytest.raises(OutcomeConflict):
        await record_disposition(
            client, message_id, kind="callback_requested", by_collector="c-1",
            details={"callback_at": at.isoformat()},
        )  # fmt: skip

    calls = [m for m in await rows(client, "collector_call") if m.id != message_id]
    assert len(calls) == 1
    callback = calls[0]
    assert (callback.collector_id, callback.destination, callback.debtor_ref) == (
        "c-1", DESTINATION, "D-1",
    )  # fmt: skip
    assert abs(callback.scheduled_for - at) < timedelta(milliseconds=1)
    upcoming = await collector_calls(client.log, "c-1", window=CallWindow.UPCOMING, limit=10)
    assert [m.id for m in upcoming] == [callback.id]
    assert (await client.log.get(message_id)).result == "answered"  # no conversation claimed


async def test_wrong_number_holds_the_number_and_marks_the_attempt(
    client: DispatcherClient,
) -> None:
    message_id = await placed_call(client)

    await record_disposition(
        client, message_id, kind="wrong_number", by_collector="c-1", details={}
    )

    (hold,) = await holds(client)
    assert (hold.kind, hold.destination, hold.channel) == ("wrong_number", DESTINATION, None)
    assert hold.set_by == "collector:c-1" and hold.source == f"disposition:{message_id}"
    stored = await client.log.get(message_id)
    assert stored.disposition is not None and stored.disposition["kind"] == "wrong_number"
    assert stored.result == "answered"


async def test_dispute_holds_the_debtor(client: DispatcherClient) -> None:
    message_id = await placed_call(client)

    await record_disposition(
        client, message_id, kind="dispute", by_collector="c-1",
        details={"note": "says the debt was paid in October"},
    )  # fmt: skip

    (hold,) = await holds(client)
    assert (hold.kind, hold.debtor_ref, hold.destination) == ("dispute", "D-1", None)
    assert "paid in October" in hold.reason
    assert (await client.log.get(message_id)).result == "conversation"


async def test_another_collector_may_not_record(client: DispatcherClient) -> None:
    message_id = await placed_call(client)
    with pytest.raises(NotOnTheCall, match="c-2"):
        await record_disposition(client, message_id, kind="refused", by_collector="c-2", details={})
    assert (await client.log.get(message_id)).disposition is None


async def test_a_note_with_a_forbidden_phrase_is_refused_naming_it(
    client: DispatcherClient,
) -> None:
    message_id = await placed_call(client)
    with pytest.raises(InvalidRequest) as refused:
        await record_disposition(
            client, message_id, kind="refused", by_collector="c-1",
            details={"note": "told the idiot we will sue you"},
        )  # fmt: skip
    problems = [p.problem for p in refused.value.problems if p.field == "note"]
    assert any("'idiot'" in p and "insult" in p for p in problems), problems
    stored = await client.log.get(message_id)
    assert stored.disposition is None and stored.result == "answered"


async def test_a_promise_in_the_past_or_without_an_amount_is_refused(
    client: DispatcherClient,
) -> None:
    message_id = await placed_call(client)
    with pytest.raises(InvalidRequest) as refused:
        await record_disposition(
            client, message_id, kind="promise_to_pay", by_collector="c-1",
            details={"amount": "0", "date": date(2026, 11, 1).isoformat()},
        )  # fmt: skip
    fields = {p.field for p in refused.value.problems}
    assert fields == {"amount", "date"}
    assert await rows(client, "promise_to_pay_reminder") == []
    assert (await client.log.get(message_id)).disposition is None


async def test_a_call_not_placed_or_not_answered_is_refused(client: DispatcherClient) -> None:
    queued = (await client.send(call())).message_id
    with pytest.raises(OutcomeConflict, match="queued"):
        await record_disposition(client, queued, kind="no_contact", by_collector="c-1", details={})
    voicemail = await placed_call(client, result="voicemail", destination="+12015550124")
    with pytest.raises(OutcomeConflict, match="voicemail"):
        await record_disposition(
            client, voicemail, kind="right_party", by_collector="c-1", details={}
        )
    await record_disposition(client, voicemail, kind="no_contact", by_collector="c-1", details={})


async def test_a_collectors_due_and_upcoming_calls(client: DispatcherClient) -> None:
    now = client.log.clock.now()
    due = (await client.send(call())).message_id
    later = (await client.send(call(send_after=now + timedelta(hours=5)))).message_id
    sooner = (await client.send(call(send_after=now + timedelta(hours=2)))).message_id
    await client.send(call(collector_id="c-2"))

    listed_due = await collector_calls(client.log, "c-1", window=CallWindow.DUE, limit=10)
    upcoming = await collector_calls(client.log, "c-1", window=CallWindow.UPCOMING, limit=10)
    first_page = await collector_calls(client.log, "c-1", window=CallWindow.UPCOMING, limit=1)
    second_page = await collector_calls(
        client.log, "c-1", window=CallWindow.UPCOMING, limit=1,
        after=(first_page[0].scheduled_for, first_page[0].id),
    )  # fmt: skip

    assert [m.id for m in listed_due] == [due]
    assert [m.id for m in upcoming] == [sooner, later]
    assert [m.id for m in first_page + second_page] == [sooner, later]
