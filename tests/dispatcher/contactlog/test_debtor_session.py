"""The debtor's session reads the message and its holds with the lock, and answers as the
log would: on SQLite and PostgreSQL, and on PostgreSQL also after waiting for the lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.holds import active_holds, add_hold, lift_holds
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.session import debtor_session
from dispatcher.domain import PENDING, MessageStatus

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NUMBER = "+12125550007"
OTHER_NUMBER = "+12125550999"


async def queue(engine: AsyncEngine, message_id: str = "M-1") -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(Message).values(
                id=message_id, idempotency_key=message_id, debtor_ref="D-1", account_ref="A-1",
                channel="sms", template_name="overdue_reminder", template_version="v",
                locale="en-US", variables={}, destination=NUMBER, requested_by="test",
                created_at=NOW, scheduled_for=NOW, valid_until=NOW, updated_at=NOW,
                status=MessageStatus.QUEUED, attempts=0,
            )
        )  # fmt: skip


async def on_record(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor).values(debtor_ref="D-1", country="US", updated_at=NOW))


async def hold(
    engine: AsyncEngine,
    kind: str,
    *,
    debtor_ref: str | None = "D-1",
    destination: str | None = None,
    channel: str | None = None,
) -> None:
    async with engine.begin() as conn:
        await add_hold(
            conn, kind=kind, debtor_ref=debtor_ref, destination=destination, channel=channel,
            set_by="test", source="api", reason=f"{kind} for the test", at=NOW,
        )  # fmt: skip


async def test_the_message_is_read_with_the_lock_and_read_again_once_moved(
    engine: AsyncEngine,
) -> None:
    await on_record(engine)
    await queue(engine)
    async with debtor_session(engine, "D-1", message_id="M-1") as session:
        assert session.debtor is not None and session.debtor.country == "US"
        message = await session.message("M-1")
        assert message is not None and message.status == MessageStatus.QUEUED
        moved = await session.move(
            "M-1", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW, attempted_at=NOW
        )
        assert moved
        again = await session.message("M-1")
        assert again is not None and again.status == MessageStatus.SENDING


async def test_no_debtor_on_record_and_no_such_message(engine: AsyncEngine) -> None:
    async with debtor_session(engine, "D-1", message_id="M-404") as session:
        assert session.debtor is None
        assert await session.message("M-404") is None
        holds = await session.active_holds(debtor_ref="D-1", destination=NUMBER, channel="sms")
        assert holds == []


async def test_holds_read_with_the_lock_are_the_holds_the_log_gives(engine: AsyncEngine) -> None:
    """Given holds of every shape — the debtor's, on their number, on another of their
    numbers, other debtors', on one channel or all, lifted — the session answers for each
    channel exactly what ``active_holds`` answers, in the same order."""
    await queue(engine)
    await hold(engine, "cease")
    await hold(engine, "opt_out", destination=NUMBER, channel="sms")
    await hold(engine, "opt_out", debtor_ref=None, destination=NUMBER, channel="voice")
    await hold(engine, "wrong_number", debtor_ref="D-2", destination=NUMBER)
    await hold(engine, "opt_out", destination=OTHER_NUMBER, channel="sms")
    await hold(engine, "do_not_visit", channel="visit")
    await hold(engine, "dispute", debtor_ref="D-2")
    await hold(engine, "attorney")
    async with engine.begin() as conn:
        lifted = await lift_holds(
            conn, kind="attorney", debtor_ref="D-1", destination=None, channel=None,
            lifted_by="test", at=NOW,
        )  # fmt: skip
        assert lifted == 1

    kinds = {}
    for destination in (NUMBER, OTHER_NUMBER):  # the message's number is read with the lock
        for channel in ("sms", "voice", "visit", "letter"):
            async with debtor_session(engine, "D-1", message_id="M-1") as session:
                await session.message("M-1")
                answered = await session.active_holds(
                    debtor_ref="D-1", destination=destination, channel=channel
                )
                expected = await active_holds(
                    session.conn, debtor_ref="D-1", destination=destination, channel=channel
                )
            assert answered == expected, (destination, channel)
            kinds[destination, channel] = [h.kind for h in answered]
    assert kinds[NUMBER, "sms"] == ["cease", "opt_out", "wrong_number"]
    assert kinds[NUMBER, "voice"] == ["cease", "opt_out", "wrong_number"]
    assert kinds[NUMBER, "visit"] == ["cease", "wrong_number", "do_not_visit"]
    assert kinds[OTHER_NUMBER, "sms"] == ["cease", "opt_out"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_worker_that_waited_for_the_lock_reads_what_the_holder_left(
    engine: AsyncEngine,
) -> None:
    """Given one worker holding the debtor's lock while it claims the message and a hold
    is set, when another worker opens the debtor's session meanwhile, then it waits, and
    reads the message as claimed and the new hold — not what was there when it asked."""
    await queue(engine)
    claimed = asyncio.Event()

    async def first_worker() -> None:
        async with debtor_session(engine, "D-1", message_id="M-1") as session:
            assert await session.move(
                "M-1", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW
            )
            claimed.set()
            await asyncio.sleep(0.3)
            await hold(engine, "cease")  # another transaction: not under the debtor's lock

    async def second_worker() -> tuple[str | None, list[str]]:
        await claimed.wait()
        async with debtor_session(engine, "D-1", message_id="M-1") as session:
            message = await session.message("M-1")
            holds = await session.active_holds(debtor_ref="D-1", destination=NUMBER, channel="sms")
            return (message.status if message else None), [h.kind for h in holds]

    _, (status, holds) = await asyncio.gather(first_worker(), second_worker())
    assert status == MessageStatus.SENDING
    assert holds == ["cease"]
