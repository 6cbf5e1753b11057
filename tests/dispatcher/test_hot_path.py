"""The send path's raw-asyncpg contact log (PostgreSQL) answers and writes exactly as the
SQLAlchemy one (``DebtorSession``, ``transitions.move``) does: the same counts for every
cap shape over a varied log, the same rows and events after a move."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Debtor, Message, MessageEvent
from dispatcher.contactlog.session import debtor_session
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, ChannelKind, EventSource, MessageStatus
from dispatcher.sending.postgres.log import PostgresSendingLog

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NUMBERS = ("+12125550007", "+12125550008")
KINDS = [
    frozenset({"sms.sent"}),
    frozenset({"call.answered"}),
    frozenset({"call.conversation", "call.voicemail"}),
    frozenset({"call.robot_answered", "call.answered", "sms.sent"}),
    frozenset({"call.unanswered", "call.busy", "call.unconnected", "call.failed"}),
    frozenset({"call.failed"}),  # counts no channel at all
]


def row(n: int, **values: Any) -> dict[str, Any]:
    return {
        "id": f"M-{n:04d}", "idempotency_key": f"k-{n}", "debtor_ref": "D-1",
        "account_ref": "A-1", "channel": "sms", "template_name": "t", "template_version": "v",
        "locale": "en-US", "variables": {}, "destination": NUMBERS[0], "requested_by": "test",
        "created_at": NOW, "scheduled_for": NOW, "valid_until": NOW, "updated_at": NOW,
        "status": MessageStatus.QUEUED, "attempts": 0, **values,
    }  # fmt: skip


def varied_log() -> list[dict[str, Any]]:
    """Every channel, status, result, collector and disposition the caps tell apart."""
    shapes = itertools.product(
        (ChannelKind.SMS, ChannelKind.VOICE),
        (MessageStatus.SENDING, MessageStatus.UNKNOWN, MessageStatus.SENT,
         MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.BLOCKED),
        (None, "answered", "conversation", "voicemail", "unanswered", "failed"),
        (None, "c-1"),
        (None, {"kind": "wrong_number"}, {"kind": "promise_to_pay"}),
    )  # fmt: skip
    rows = []
    for n, (channel, status, result, collector, disposition) in enumerate(shapes):
        rows.append(
            row(
                n, channel=channel, status=status, result=result, collector_id=collector,
                disposition=disposition, destination=NUMBERS[n % 2],
                account_ref=("A-1", "A-2", None)[n % 3],
                attempted_at=None if n % 17 == 0 else NOW - timedelta(hours=n % 200),
            )
        )  # fmt: skip
    return rows


async def test_counts_and_latest_attempts_agree_with_the_sqlalchemy_session(
    engine: AsyncEngine, database_url: str
) -> None:
    # Given a debtor with a log of every kind of attempt
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor).values(debtor_ref="D-1", updated_at=NOW))
        await conn.execute(insert(Message), varied_log())
    questions: list[tuple[str, dict[str, Any]]] = []
    scopes: list[dict[str, Any]] = [
        {}, {"account_ref": "A-1"}, {"destination": NUMBERS[1]},
        {"destinations": (NUMBERS[0],)}, {"destinations": ()}, {"excluding": (NUMBERS[0],)},
    ]  # fmt: skip
    for kinds, since, scope in itertools.product(
        KINDS, (NOW - timedelta(hours=30), NOW - timedelta(days=9)), scopes
    ):
        asked = {"debtor_ref": "D-1", "counts": kinds, "since": since, **scope}
        questions.append(("count_attempts", asked))
        if "destinations" not in scope and "excluding" not in scope:
            questions.append(("latest_attempt", asked))

    # When both sessions answer every cap's question
    async with debtor_session(engine, "D-1") as session:
        expected = [await getattr(session, name)(**asked) for name, asked in questions]
    raw = PostgresSendingLog(
        ContactLog(engine, FrozenClock(NOW)), FrozenClock(NOW), url=database_url, max_size=2
    )
    try:
        async with engine.begin() as conn:  # a message to open the raw window with
            await conn.execute(insert(Message).values(row(9999, status=MessageStatus.QUEUED)))
        async with raw.debtor_session("D-1", message_id="M-9999") as window:
            answered = [await getattr(window, name)(**asked) for name, asked in questions]
    finally:
        await raw.aclose()

    # Then they agree, and the log was varied enough to count something
    assert answered == expected
    assert sum(a.count for a in answered if hasattr(a, "count")) > 100


async def test_a_move_writes_the_same_row_and_event_as_sqlalchemys(
    engine: AsyncEngine, database_url: str
) -> None:
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(1), row(2)])
    changes: dict[str, Any] = {
        "content": "Your balance is due", "segments": 1, "attempts": 1, "attempted_at": NOW,
        "verdict": {"decision": "allow", "results": []}, "disposition": None,
        "error_retryable": None, "scheduled_for": NOW + timedelta(minutes=5),
    }  # fmt: skip
    try:
        for attempt in (1, 2):  # the second finds both moved already, and writes nothing
            for which, message_id in ((log, "M-0001"), (raw, "M-0002")):
                moved = await which.transition(
                    message_id, expect=PENDING, to=MessageStatus.SENDING,
                    source=EventSource.WORKER, detail={"attempt": attempt}, **changes,
                )  # fmt: skip
                assert moved is (attempt == 1)
    finally:
        await raw.aclose()

    async with engine.connect() as conn:
        messages = (await conn.execute(select(Message.__table__).order_by(Message.id))).all()
        events = (
            await conn.execute(select(MessageEvent.__table__).order_by(MessageEvent.id))
        ).all()
    first, second = ({k: v for k, v in m._asdict().items() if k not in ("id", "idempotency_key")}
                     for m in messages)  # fmt: skip
    assert first == second
    assert first["status"] == MessageStatus.SENDING and first["disposition"] is None
    assert [e.message_id for e in events] == ["M-0001", "M-0002"]
    assert events[0].detail == events[1].detail and "content_sha256" in events[0].detail
    async with engine.connect() as conn:  # None in a JSON column is JSON null, as SQLAlchemy has it
        nulls = await conn.execute(
            text("SELECT jsonb_typeof(disposition) FROM messages ORDER BY id")
        )
        assert nulls.scalars().all() == ["null", "null"]


async def test_moves_of_concurrent_jobs_go_together_and_answer_each_as_a_move_would(
    engine: AsyncEngine, database_url: str
) -> None:
    # Given ten messages claimed for sending, one of which a callback has moved on already
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Message),
            [row(n, status=MessageStatus.SENDING) for n in range(10)]
            + [row(10 + n, status=MessageStatus.SENDING) for n in range(10)],
        )
    await log.transition("M-0003", expect={MessageStatus.SENDING}, to=MessageStatus.DELIVERED,
                         source=EventSource.WEBHOOK)  # fmt: skip
    await log.transition("M-0013", expect={MessageStatus.SENDING}, to=MessageStatus.DELIVERED,
                         source=EventSource.WEBHOOK)  # fmt: skip

    def sent(n: int) -> dict[str, Any]:
        return {"provider": "twilio", "provider_message_id": f"SM{n % 10}", "result": "sent",
                "detail": {"provider": "twilio", "n": n % 10}}  # fmt: skip

    # When the workers record them sent, the raw log's all at once
    try:
        answers = await asyncio.gather(*(
            raw.transition(f"M-{n:04d}", expect={MessageStatus.SENDING}, to=MessageStatus.SENT,
                           source=EventSource.WORKER, **sent(n))
            for n in range(10)
        ))  # fmt: skip
    finally:
        await raw.aclose()
    assert raw.outcomes.statements == 1  # all ten came in before the writer's first turn
    expected = [
        await log.transition(f"M-{n:04d}", expect={MessageStatus.SENDING}, to=MessageStatus.SENT,
                             source=EventSource.WORKER, **sent(n))
        for n in range(10, 20)
    ]  # fmt: skip

    # Then each answer, row and event is what one move at a time gives
    assert answers == expected == [n != 3 for n in range(10)]
    async with engine.connect() as conn:
        messages = {
            m.id: {k: v for k, v in m._asdict().items() if k not in ("id", "idempotency_key")}
            for m in await conn.execute(select(Message.__table__))
        }
        events = await conn.execute(
            select(MessageEvent.message_id, MessageEvent.status, MessageEvent.detail).where(
                MessageEvent.source == EventSource.WORKER
            )
        )
        by_message = {e.message_id: (e.status, e.detail) for e in events}
    for n in range(10):
        assert messages[f"M-{n:04d}"] == messages[f"M-{10 + n:04d}"]
        assert by_message.get(f"M-{n:04d}") == by_message.get(f"M-{10 + n:04d}")
    assert len(by_message) == 18
