"""The send path's raw-asyncpg contact log (PostgreSQL) answers and writes exactly as the
SQLAlchemy one (``DebtorSession``, ``transitions.move``) does: the same counts for every
cap shape over a varied log (answered from the attempts read with the lock, or in SQL
past them), the same risk flags, the same rows read by id (together for jobs starting
together) and the same rows and events after a move."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import AttemptCount
from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Debtor, Message, MessageEvent
from dispatcher.contactlog.session import debtor_session
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, ChannelKind, EventSource, MessageStatus
from dispatcher.errors import UnknownMessage
from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.sending.postgres.batched_windows import WindowInBatch
from dispatcher.sending.postgres.log import PostgresSendingLog
from dispatcher.sending.postgres.recent import Prefetch
from dispatcher.sending.postgres.statements import MESSAGE_COLUMNS

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
                # Distinct times: SQL's latest of two attempts at one instant is either
                attempted_at=None if n % 17 == 0 else NOW - timedelta(hours=n % 200, seconds=n),
            )
        )  # fmt: skip
    return rows


def flag_events() -> list[dict[str, Any]]:
    """A flag set, reviewed and cleared; another set; a third set and reviewed."""
    changes = [
        ("vulnerable", "set"), ("vulnerable", "reviewed"), ("dispute", "set"),
        ("vulnerable", "cleared"), ("deceased", "set"), ("deceased", "reviewed"),
    ]  # fmt: skip
    return [
        {"debtor_ref": "D-1", "flag": flag, "action": action, "reason": f"r{n}",
         "actor": "cp-1", "actor_role": "compliance", "at": NOW - timedelta(days=9 - n)}
        for n, (flag, action) in enumerate(changes)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("prefetch", "statements"),
    [
        (Prefetch(), 0),  # every question answered from the attempts read with the lock
        (Prefetch(limit=150), 45),  # the 30-hour questions within the 150 newest, not the rest
        (Prefetch(limit=5), 90),  # every question reaches past the 5 newest: all in SQL
        (Prefetch(span=timedelta(days=2)), 45),  # those reaching back 9 days asked in SQL
    ],
    ids=["read-with-the-lock", "cut-by-the-limit", "cut-short", "beyond-the-horizon"],
)
async def test_counts_latest_attempts_and_flags_agree_with_the_sqlalchemy_session(
    engine: AsyncEngine, database_url: str, prefetch: Prefetch, statements: int
) -> None:
    # Given a debtor with a log of every kind of attempt, and flags set, reviewed, cleared
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor).values(debtor_ref="D-1", updated_at=NOW))
        await conn.execute(insert(Message), varied_log())
        await conn.execute(insert(RiskFlagEvent), flag_events())
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
    questions.append(("risk_flags", {"debtor_ref": "D-1"}))

    # When both sessions answer every cap's question
    async with debtor_session(engine, "D-1") as session:
        expected = [await getattr(session, name)(**asked) for name, asked in questions]
    raw = PostgresSendingLog(
        ContactLog(engine, FrozenClock(NOW)), FrozenClock(NOW), url=database_url, max_size=2,
        prefetch=prefetch,
    )  # fmt: skip
    asked_in_sql: list[str] = []
    try:
        async with engine.begin() as conn:  # a message to open the raw window with
            await conn.execute(insert(Message).values(row(9999, status=MessageStatus.QUEUED)))
        async with raw.debtor_session("D-1", message_id="M-9999") as window:
            assert isinstance(window.conn, WindowInBatch)  # the batch's, which it opened
            window.conn.connection.add_query_logger(
                lambda logged: asked_in_sql.append(logged.query)
            )
            answered = [await getattr(window, name)(**asked) for name, asked in questions]
    finally:
        await raw.aclose()

    # Then they agree, the log was varied enough to count something, and only questions
    # past what the window read went to the database
    assert answered == expected
    assert sum(a.count for a in answered if isinstance(a, AttemptCount)) > 100
    assert [flag.flag for flag in answered[-1]] == ["dispute", "deceased"]
    counting = ("SELECT count(*)", "SELECT attempted_at")  # attempts_sql's two shapes
    assert len([query for query in asked_in_sql if query.startswith(counting)]) == statements


async def test_a_window_waiting_for_the_lock_counts_what_its_holder_claimed(
    engine: AsyncEngine, database_url: str
) -> None:
    # Given two texts due for one debtor, and a window deciding the first
    clock = FrozenClock(NOW)
    raw = PostgresSendingLog(ContactLog(engine, clock), clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(1), row(2)])
    sms = {"debtor_ref": "D-1", "counts": frozenset({"sms.sent"}), "since": NOW - timedelta(days=1)}

    async def second_window() -> tuple[int, int]:
        async with raw.debtor_session("D-1", message_id="M-0002") as window:
            counted = await window.count_attempts(**sms)
            latest = await window.latest_attempt(**sms)
            return counted.count, 0 if latest is None else 1

    try:
        async with raw.debtor_session("D-1", message_id="M-0001") as first:
            assert (await first.count_attempts(**sms)).count == 0
            # When the second window opens while the first holds the lock, and the first
            # claims its text and commits
            waiting = asyncio.create_task(second_window())
            await asyncio.sleep(0.2)
            assert not waiting.done()  # it waits for the debtor's lock
            assert await first.move(
                "M-0001", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW,
                attempts=1, attempted_at=NOW,
            )  # fmt: skip
        # Then the second window's count and latest attempt see the first one's claim
        assert await waiting == (1, 1)
    finally:
        await raw.aclose()


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


async def test_reads_of_jobs_starting_together_go_in_one_statement_and_answer_as_get_does(
    engine: AsyncEngine, database_url: str
) -> None:
    # Given ten messages in the log
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(n, attempts=n) for n in range(10)])
    ids = [f"M-{n:04d}" for n in range(10)] + ["M-0003"]  # one asked for twice

    # When ten jobs start together and read their messages, and one asks for none such
    try:
        found = await asyncio.gather(*(raw.get(message_id) for message_id in ids))
        with pytest.raises(UnknownMessage):
            await raw.get("M-9999")
    finally:
        await raw.aclose()

    # Then one statement read the ten, and each is the row ContactLog reads
    assert raw.reads.statements == 2  # the ten together, then the unknown one alone
    for message in found:
        expected = await log.get(message.id)
        assert {c: getattr(message, c) for c in MESSAGE_COLUMNS} == {
            c: getattr(expected, c) for c in MESSAGE_COLUMNS
        }
    assert [m.attempts for m in found] == [*range(10), 3]
