"""Decision windows of jobs deciding together share one transaction (PostgreSQL): each
reads its own debtor's window, the claims stand once the batch commits, a failure inside
one window takes every claim of the batch with it (the others are told, and decide again),
and two processes' batches over the same debtors wait for each other, never deadlock. One
debtor's windows go in line in a batch, each seeing the claims made before it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, MessageStatus
from dispatcher.sending.postgres.log import PostgresSendingLog
from dispatcher.sending.sending_log import DecisionWindowLost

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def message(n: int) -> dict[str, Any]:
    return {
        "id": f"M-{n}", "idempotency_key": f"k-{n}", "debtor_ref": f"D-{n}",
        "account_ref": "A-1", "channel": "sms", "template_name": "t", "template_version": "v",
        "locale": "en-US", "variables": {}, "destination": f"+1212555{n:04d}",
        "requested_by": "test", "created_at": NOW, "scheduled_for": NOW, "valid_until": NOW,
        "updated_at": NOW, "status": MessageStatus.QUEUED, "attempts": 0,
    }  # fmt: skip


async def seeded(engine: AsyncEngine, count: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(Debtor), [{"debtor_ref": f"D-{n}", "country": "US", "updated_at": NOW}
                             for n in range(count)],
        )  # fmt: skip
        await conn.execute(insert(Message), [message(n) for n in range(count)])


async def statuses(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Message.id, Message.status))
        return {row.id: row.status for row in rows}


def sending_log(engine: AsyncEngine, database_url: str) -> PostgresSendingLog:
    clock = FrozenClock(NOW)
    return PostgresSendingLog(ContactLog(engine, clock), clock, url=database_url, max_size=4)


async def claim(log: PostgresSendingLog, n: int, *, fail: bool = False) -> bool:
    async with log.debtor_session(f"D-{n}", message_id=f"M-{n}") as window:
        found = await window.message(f"M-{n}")
        assert found is not None and found.debtor_ref == f"D-{n}"
        assert window.debtor is not None and window.debtor.debtor_ref == f"D-{n}"
        claimed = await window.move(
            f"M-{n}", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW, attempts=1
        )
        await asyncio.sleep(0)  # the others of the batch get their turn meanwhile
        if fail:
            raise RuntimeError("the gate broke")
        return claimed


async def test_windows_opened_together_share_one_transaction_and_commit_together(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded(engine, 20)
    log = sending_log(engine, database_url)
    try:
        claimed = await asyncio.gather(*(claim(log, n) for n in range(20)))
    finally:
        await log.aclose()
    assert all(claimed)
    assert set((await statuses(engine)).values()) == {MessageStatus.SENDING}
    # The first window is opened alone; the others, asked for meanwhile, in at most two
    # more; the claims of a batch are written together, one statement each.
    assert log.windows.transactions <= 3
    assert log.windows.statements == log.windows.transactions


async def test_a_failure_inside_one_window_rolls_back_the_batch_and_tells_the_others(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded(engine, 6)
    log = sending_log(engine, database_url)
    try:
        blocker = asyncio.create_task(claim(log, 0))  # opened alone, so the rest batch together
        await asyncio.sleep(0)
        outcomes = await asyncio.gather(
            *(claim(log, n, fail=n == 3) for n in range(1, 6)), return_exceptions=True
        )
        assert await blocker
    finally:
        await log.aclose()
    assert isinstance(outcomes[2], RuntimeError)  # M-3 sees its own error
    assert all(isinstance(outcomes[i], DecisionWindowLost) for i in (0, 1, 3, 4))
    # Nothing of that batch stands: every claim in it was rolled back with M-3's.
    assert await statuses(engine) == {
        "M-0": MessageStatus.SENDING,
        **{f"M-{n}": MessageStatus.QUEUED for n in range(1, 6)},
    }


async def test_two_processes_batches_over_the_same_debtors_do_not_deadlock(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded(engine, 30)
    first, second = sending_log(engine, database_url), sending_log(engine, database_url)
    try:
        # The same debtors, asked for in opposite orders: locks are taken in key order.
        results = await asyncio.wait_for(
            asyncio.gather(
                *(claim(first, n) for n in range(30)),
                *(claim(second, n) for n in reversed(range(30))),
            ),
            timeout=30,
        )
    finally:
        await first.aclose()
        await second.aclose()
    # Each message claimed exactly once: the second to get a debtor's lock found it moved.
    assert sorted(results).count(True) == 30
    assert set((await statuses(engine)).values()) == {MessageStatus.SENDING}


async def seeded_burst(engine: AsyncEngine, count: int) -> None:
    """``count`` texts for one debtor, D-0."""
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor), [{"debtor_ref": "D-0", "country": "US",
                                              "updated_at": NOW}])  # fmt: skip
        await conn.execute(
            insert(Message), [{**message(n), "debtor_ref": "D-0"} for n in range(count)]
        )


async def claim_counting(log: PostgresSendingLog, n: int, *, fail: bool = False) -> int:
    """Claims M-n (an attempt from then on) and returns the texts its window counted before."""
    async with log.debtor_session("D-0", message_id=f"M-{n}") as window:
        found = await window.message(f"M-{n}")
        assert found is not None and found.status == MessageStatus.QUEUED
        before = await window.count_attempts(
            debtor_ref="D-0", counts=frozenset({"sms.sent"}), since=NOW - timedelta(days=1)
        )
        claimed = await window.move(
            f"M-{n}", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW,
            attempts=1, attempted_at=NOW,
        )  # fmt: skip
        assert claimed
        await asyncio.sleep(0)  # those behind it in line wait meanwhile, not the batch
        if fail:
            raise RuntimeError("the gate broke")
        return before.count


async def test_one_debtors_windows_go_in_line_each_seeing_the_claims_before_it(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded_burst(engine, 12)
    log = sending_log(engine, database_url)
    try:
        first = asyncio.create_task(claim_counting(log, 0))  # opened alone
        await asyncio.sleep(0)
        rest = await asyncio.gather(*(claim_counting(log, n) for n in range(1, 12)))
        counted = [await first, *rest]
    finally:
        await log.aclose()
    # Each window counted every claim made before it — in the same transaction for the
    # eleven that went in line — so a cap sees them all, as across commits.
    assert counted == list(range(12))
    assert log.windows.transactions == 2
    assert set((await statuses(engine)).values()) == {MessageStatus.SENDING}


async def test_a_failure_in_line_rolls_back_the_line_and_those_behind_it_decide_again(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded_burst(engine, 7)
    log = sending_log(engine, database_url)
    try:
        first = asyncio.create_task(claim_counting(log, 0))  # opened alone, so the rest line up
        await asyncio.sleep(0)
        outcomes = await asyncio.gather(
            *(claim_counting(log, n, fail=n == 3) for n in range(1, 7)), return_exceptions=True
        )
        assert await first == 0
    finally:
        await log.aclose()
    assert isinstance(outcomes[2], RuntimeError)  # M-3 sees its own error
    # M-1 and M-2 decided before it: rolled back with it, they are told so as they leave;
    # M-4 to M-6 were never opened: they are told so at once, and decide again.
    assert all(isinstance(outcomes[i], DecisionWindowLost) for i in (0, 1, 3, 4, 5))
    assert await statuses(engine) == {
        "M-0": MessageStatus.SENDING,
        **{f"M-{n}": MessageStatus.QUEUED for n in range(1, 7)},
    }


async def test_a_window_given_up_while_in_line_is_skipped(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded_burst(engine, 5)
    log = sending_log(engine, database_url)
    try:
        first = asyncio.create_task(claim_counting(log, 0))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(claim_counting(log, n)) for n in range(1, 5)]
        await asyncio.sleep(0)
        waiting[1].cancel()  # M-2 gives up (its job's timeout) before its turn
        results = await asyncio.gather(first, *waiting, return_exceptions=True)
    finally:
        await log.aclose()
    assert isinstance(results[2], asyncio.CancelledError)
    assert [results[i] for i in (0, 1, 3, 4)] == [0, 1, 2, 3]
    found = await statuses(engine)
    assert found.pop("M-2") == MessageStatus.QUEUED
    assert set(found.values()) == {MessageStatus.SENDING}


async def test_the_first_in_line_giving_up_before_the_batch_opens_leaves_the_rest_in_line(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded_burst(engine, 5)
    log = sending_log(engine, database_url)
    try:
        first = asyncio.create_task(claim_counting(log, 0))  # opened alone
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(claim_counting(log, n)) for n in range(1, 5)]
        await asyncio.sleep(0)
        waiting[0].cancel()  # M-1, first in line for the next batch, gives up before it opens
        results = await asyncio.wait_for(
            asyncio.gather(first, *waiting, return_exceptions=True), timeout=10
        )
    finally:
        await log.aclose()
    assert isinstance(results[1], asyncio.CancelledError)
    assert [results[i] for i in (0, 2, 3, 4)] == [0, 1, 2, 3]
    found = await statuses(engine)
    assert found.pop("M-1") == MessageStatus.QUEUED
    assert set(found.values()) == {MessageStatus.SENDING}


async def test_two_processes_lines_for_one_debtor_take_turns_and_each_window_sees_every_claim(
    engine: AsyncEngine, database_url: str
) -> None:
    await seeded_burst(engine, 24)
    first, second = sending_log(engine, database_url), sending_log(engine, database_url)
    try:
        counted = await asyncio.wait_for(
            asyncio.gather(
                *(claim_counting(first, n) for n in range(0, 24, 2)),
                *(claim_counting(second, n) for n in range(1, 24, 2)),
            ),
            timeout=30,
        )
    finally:
        await first.aclose()
        await second.aclose()
    # The debtor's lock passes between the two a line at a time: every window, in either,
    # counted exactly the claims made before it — no two saw the same number.
    assert sorted(counted) == list(range(24))
    assert set((await statuses(engine)).values()) == {MessageStatus.SENDING}
