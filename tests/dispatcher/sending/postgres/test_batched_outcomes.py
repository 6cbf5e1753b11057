"""The batched outcome writes (``batched_moves``) against the one-move-at-a-time
reference (``ContactLog.transition``) on PostgreSQL: what one message's move does must not
depend on which other moves happened to share its statement."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.sending.postgres import batched_moves
from dispatcher.sending.postgres.log import PostgresSendingLog

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def row(n: int, **values: Any) -> dict[str, Any]:
    return {
        "id": f"M-{n:04d}", "idempotency_key": f"k-{n}", "debtor_ref": f"D-{n}",
        "account_ref": "A-1", "channel": "sms", "template_name": "t", "template_version": "v",
        "locale": "en-US", "variables": {}, "destination": "+12125550007", "requested_by": "test",
        "created_at": NOW, "scheduled_for": NOW, "valid_until": NOW, "updated_at": NOW,
        "status": MessageStatus.SENDING, "attempts": 1, "attempted_at": NOW, **values,
    }  # fmt: skip


def failed(code: str) -> dict[str, Any]:
    """``Pipeline._fail``'s move for a provider's permanent refusal with ``code``."""
    return {
        "expect": {MessageStatus.SENDING}, "to": MessageStatus.FAILED,
        "source": EventSource.WORKER,
        "detail": {"error_code": code, "error_text": "refused", "retryable": False},
        "error_code": code, "error_text": "refused", "error_retryable": False,
    }  # fmt: skip


async def statuses_and_events(engine: AsyncEngine) -> tuple[dict[str, str], dict[str, int]]:
    async with engine.connect() as conn:
        statuses = {r.id: r.status for r in await conn.execute(select(Message.id, Message.status))}
        events: dict[str, int] = {}
        for e in await conn.execute(select(MessageEvent.message_id)):
            events[e.message_id] = events.get(e.message_id, 0) + 1
    return statuses, events


async def test_one_rows_bad_value_does_not_lose_the_other_outcomes_of_its_batch(
    engine: AsyncEngine, database_url: str
) -> None:
    """error_code is VARCHAR(32); a provider's code longer than that (Lob's error code is
    the provider's free text, ``channels/letters/lob.py:_error``) fails its statement — it
    must not fail every other job's outcome written in it (they stayed ``sending``)."""
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(n) for n in range(6)])
    codes = ["x" * 40, "21211", "30007"]  # the first is too long for the column

    # The reference, one move at a time: only the bad row's own move fails
    reference: list[object] = []
    for n, code in enumerate(codes, start=3):
        try:
            reference.append(await log.transition(f"M-{n:04d}", **failed(code)))
        except Exception as exc:
            reference.append(type(exc).__name__)

    # When three jobs record their refusals at the same time, on the raw log
    try:
        answers = await asyncio.gather(
            *(raw.transition(f"M-{n:04d}", **failed(code)) for n, code in enumerate(codes)),
            return_exceptions=True,
        )
    finally:
        await raw.aclose()
    assert raw.outcomes.statements == 1 + 3  # one shared and refused, then each alone

    statuses, events = await statuses_and_events(engine)
    assert reference[1:] == [True, True]
    assert statuses["M-0004"] == statuses["M-0005"] == MessageStatus.FAILED
    # Then the two good outcomes stand as they do when written alone
    told = [a if isinstance(a, bool) else type(a).__name__ for a in answers]
    recorded = [(statuses[f"M-{n:04d}"], events.get(f"M-{n:04d}", 0)) for n in (1, 2)]
    assert (told[1:], recorded) == ([True, True], [(MessageStatus.FAILED, 1)] * 2)


async def test_two_moves_of_one_message_in_one_batch_succeed_once(
    engine: AsyncEngine, database_url: str
) -> None:
    """Two moves of one message in one statement would both answer True while one event
    is written; the second goes in the next statement, a compare-and-set after the first
    (latent: the pipeline's claim keeps two outcome moves of one message apart)."""
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(1), row(2)])
    sent = {
        "expect": {MessageStatus.SENDING}, "to": MessageStatus.SENT,
        "source": EventSource.WORKER, "detail": {"provider": "twilio"},
        "provider": "twilio", "provider_message_id": "SM1",
    }  # fmt: skip
    reference = [await log.transition("M-0002", **sent) for _ in range(2)]
    try:
        answers = await asyncio.gather(*(raw.transition("M-0001", **sent) for _ in range(2)))
    finally:
        await raw.aclose()
    _, events = await statuses_and_events(engine)
    assert reference == [True, False]
    assert events["M-0001"] == 1
    assert sorted(answers) == [False, True]


async def test_a_job_cancelled_while_its_outcome_is_written_still_records_it_whole(
    engine: AsyncEngine, database_url: str
) -> None:
    """Passes: a job timeout (or a worker's stop) landing while the outcome waits for its
    batch cancels the job, not the write: the row and its event are written together, and
    the moves of the same batch are answered."""
    clock = FrozenClock(NOW)
    raw = PostgresSendingLog(ContactLog(engine, clock), clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(n) for n in range(3)])
    sent = {
        "expect": {MessageStatus.SENDING}, "to": MessageStatus.SENT,
        "source": EventSource.WORKER, "detail": {"provider": "twilio"}, "provider": "twilio",
    }  # fmt: skip
    try:
        jobs = [
            asyncio.create_task(raw.transition(f"M-{n:04d}", **sent, provider_message_id=f"SM{n}"))
            for n in range(3)
        ]
        await asyncio.sleep(0)  # all three queued for the writer, which has not run yet
        jobs[1].cancel()
        answers = await asyncio.gather(*jobs, return_exceptions=True)
        await asyncio.gather(*raw.outcomes._writers)  # the write outlives the job
    finally:
        await raw.aclose()
    assert raw.outcomes.statements == 1
    assert answers[0] is True and answers[2] is True
    assert isinstance(answers[1], asyncio.CancelledError)
    statuses, events = await statuses_and_events(engine)
    assert statuses == {f"M-{n:04d}": MessageStatus.SENT for n in range(3)}
    assert events == {f"M-{n:04d}": 1 for n in range(3)}


async def test_more_moves_than_a_batch_holds_go_in_several_and_each_is_answered(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passes: past ``MAX_BATCH`` the rest go in the next statement; each answer is its
    own message's (one moved on meanwhile answers False)."""
    monkeypatch.setattr(batched_moves, "MAX_BATCH", 4)
    clock = FrozenClock(NOW)
    log = ContactLog(engine, clock)
    raw = PostgresSendingLog(log, clock, url=database_url, max_size=2)
    async with engine.begin() as conn:
        await conn.execute(insert(Message), [row(n) for n in range(10)])
    await log.transition("M-0006", expect={MessageStatus.SENDING}, to=MessageStatus.DELIVERED,
                         source=EventSource.WEBHOOK)  # fmt: skip
    try:
        answers = await asyncio.gather(*(
            raw.transition(f"M-{n:04d}", expect={MessageStatus.SENDING}, to=MessageStatus.SENT,
                           source=EventSource.WORKER, detail={"n": n}, provider="twilio",
                           provider_message_id=f"SM{n}")
            for n in reversed(range(10))
        ))  # fmt: skip
    finally:
        await raw.aclose()
    assert raw.outcomes.statements == 3  # 4 + 4 + 2
    assert answers == [n != 6 for n in reversed(range(10))]
    async with engine.connect() as conn:
        found = {
            r.id: (r.status, r.provider_message_id)
            for r in await conn.execute(select(Message.id, Message.status,
                                               Message.provider_message_id))
        }  # fmt: skip
        details = {
            e.message_id: e.detail
            for e in await conn.execute(
                select(MessageEvent.message_id, MessageEvent.detail).where(
                    MessageEvent.source == EventSource.WORKER
                )
            )
        }
    for n in range(10):
        if n == 6:
            assert found["M-0006"] == (MessageStatus.DELIVERED, None)
            assert "M-0006" not in details
        else:
            assert found[f"M-{n:04d}"] == (MessageStatus.SENT, f"SM{n}")
            assert details[f"M-{n:04d}"] == {"n": n}
