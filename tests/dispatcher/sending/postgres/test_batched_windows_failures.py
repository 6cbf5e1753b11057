"""``batched_windows`` under statement failures (PostgreSQL): what a batch's shared transaction
does when one of its statements is cancelled or fails, as opposed to a window raising a
plain Python error (``test_batched_windows``)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Debtor, Message
from dispatcher.domain import PENDING, MessageStatus
from dispatcher.sending.postgres.log import PostgresSendingLog
from dispatcher.sending.sending_log import DecisionWindowLost
from tests.dispatcher.sending.postgres.test_batched_windows import (
    NOW,
    message,
    sending_log,
    statuses,
)

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def seeded(engine: AsyncEngine, debtors: list[str]) -> None:
    """Message M-n for debtor ``debtors[n]``."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(Debtor),
            [{"debtor_ref": d, "country": "US", "updated_at": NOW} for d in sorted(set(debtors))],
        )
        await conn.execute(
            insert(Message), [{**message(n), "debtor_ref": d} for n, d in enumerate(debtors)]
        )


async def claim(log: PostgresSendingLog, debtor: str, n: int) -> bool:
    async with log.debtor_session(debtor, message_id=f"M-{n}") as window:
        found = await window.message(f"M-{n}")
        assert found is not None and found.status == MessageStatus.QUEUED
        return await window.move(
            f"M-{n}", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW, attempts=1
        )


async def until(engine: AsyncEngine, condition: str) -> None:
    """Until some backend of this database is in the state ``condition`` says
    (a WHERE clause over ``pg_stat_activity``), for 10 s at most."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    f" AND pid <> pg_backend_pid() AND {condition}"
                )
            )
        if found:
            return
        assert asyncio.get_running_loop().time() < deadline, f"never: {condition}"
        await asyncio.sleep(0.02)


# -- 1. A read in line cancelled mid-statement: the batch's COMMIT becomes a ROLLBACK --------


async def test_a_read_in_line_whose_job_gave_up_is_not_cancelled_under_the_others_claims(
    engine: AsyncEngine, database_url: str
) -> None:
    """M-1 and M-2 (one debtor) go in line in one batch. M-1 claims and leaves; M-2's
    window read (its message ``FOR NO KEY UPDATE``) waits for a row lock someone else holds,
    and M-2's job times out meanwhile. Cancelling that read mid-statement would abort the
    transaction M-1's claim is in (its ``COMMIT`` answered ``ROLLBACK``, M-1 told its claim
    stands, the message still queued: sent again on its next job). The batch lets the read
    end instead: once the row lock goes, M-1's claim commits and stands."""
    await seeded(engine, ["D-0", "D-0", "D-0"])
    log = sending_log(engine, database_url)
    try:
        async with engine.connect() as other:
            await other.execute(text("SELECT 1 FROM messages WHERE id = 'M-2' FOR UPDATE"))
            m1 = asyncio.create_task(claim(log, "D-0", 1))
            m2 = asyncio.create_task(claim(log, "D-0", 2))
            # M-2's read is in flight, waiting for the row lock (M-1 has left by then).
            await until(engine, "wait_event_type = 'Lock' AND query LIKE '%unnest%'")
            m2.cancel()  # its job's timeout
            await asyncio.sleep(0.2)
            assert not m1.done()  # the batch waits for the read, not cancels it
            await other.rollback()
        m1_outcome = (await asyncio.wait_for(asyncio.gather(m1, return_exceptions=True), 10))[0]
        assert m2.cancelled()
    finally:
        await log.aclose()
    found = await statuses(engine)
    assert m1_outcome is True, m1_outcome
    assert found["M-1"] == MessageStatus.SENDING  # told its claim stands: it stands
    assert found["M-2"] == MessageStatus.QUEUED  # its job gave up before deciding


# -- 2. A database error in one window: the others must hear DecisionWindowLost -------------


async def test_a_database_error_in_one_window_tells_the_others_their_window_was_lost(
    engine: AsyncEngine, database_url: str
) -> None:
    """M-0 (D-0) and M-1 (D-1) decide in one batch. A statement of M-0's window fails in
    PostgreSQL (standing for a statement timeout, a deadlock, a lock timeout...): the shared
    transaction is aborted. M-0 sees its own error; M-1, whose claim is still to be written,
    must hear ``DecisionWindowLost`` (and decide again), not M-0's aftermath
    (``InFailedSQLTransactionError``, a crash of M-1's job, counted towards its quarantine)."""
    await seeded(engine, ["D-0", "D-1"])
    log = sending_log(engine, database_url)

    async def failing() -> None:
        async with log.debtor_session("D-0", message_id="M-0") as window:
            await window.message("M-0")
            await window.conn.fetch("SELECT 1 / 0")  # any statement PostgreSQL fails

    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(failing(), claim(log, "D-1", 1), return_exceptions=True), 10
        )
    finally:
        await log.aclose()
    assert type(outcomes[0]).__name__ == "DivisionByZeroError", outcomes[0]  # its own error
    assert isinstance(outcomes[1], DecisionWindowLost), repr(outcomes[1])
    assert await statuses(engine) == {"M-0": MessageStatus.QUEUED, "M-1": MessageStatus.QUEUED}


async def test_a_job_cancelled_mid_statement_tells_the_others_their_window_was_lost(
    engine: AsyncEngine, database_url: str
) -> None:
    """As above, the abort coming from a job's timeout while one of its window's
    statements runs (asyncpg cancels it on the server)."""
    await seeded(engine, ["D-0", "D-1"])
    log = sending_log(engine, database_url)

    async def slow() -> None:
        async with log.debtor_session("D-0", message_id="M-0") as window:
            await window.message("M-0")
            await window.conn.fetch("SELECT pg_sleep(5)")  # any statement still running

    try:
        m0 = asyncio.create_task(slow())
        m1 = asyncio.create_task(claim(log, "D-1", 1))
        await until(engine, "query LIKE '%pg_sleep(5)%' AND state = 'active'")
        m0.cancel()  # its job's timeout
        outcomes = await asyncio.wait_for(asyncio.gather(m0, m1, return_exceptions=True), 10)
    finally:
        await log.aclose()
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert isinstance(outcomes[1], DecisionWindowLost), repr(outcomes[1])
    assert await statuses(engine) == {"M-0": MessageStatus.QUEUED, "M-1": MessageStatus.QUEUED}


# -- Coverage: paths the existing tests do not take (expected to pass) ----------------------


async def test_a_window_cancelled_while_its_claim_waits_rolls_the_batch_back(
    engine: AsyncEngine, database_url: str
) -> None:
    """A job cancelled while its claim waits to be written with the others' (its answer
    cancelled, the move still queued): the batch writes it, then rolls back — nothing of
    the cancelled window stands, and the others are told to decide again."""
    await seeded(engine, ["D-0", "D-1", "D-2"])
    log = sending_log(engine, database_url)

    async def slow_window(debtor: str, n: int, entered: asyncio.Event) -> bool:
        async with log.debtor_session(debtor, message_id=f"M-{n}") as window:
            await window.message(f"M-{n}")
            entered.set()
            # a slow statement of this window keeps the batch from writing the claims
            await window.conn.fetch("SELECT pg_sleep(0.3)")
            return True

    try:
        entered = asyncio.Event()
        slow = asyncio.create_task(slow_window("D-0", 0, entered))
        m1 = asyncio.create_task(claim(log, "D-1", 1))
        m2 = asyncio.create_task(claim(log, "D-2", 2))
        await entered.wait()
        await asyncio.sleep(0.05)  # M-1 and M-2 have queued their claims by now
        m1.cancel()
        outcomes = await asyncio.wait_for(asyncio.gather(slow, m1, m2, return_exceptions=True), 10)
    finally:
        await log.aclose()
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert isinstance(outcomes[0], DecisionWindowLost), repr(outcomes[0])
    assert isinstance(outcomes[2], DecisionWindowLost), repr(outcomes[2])
    assert set((await statuses(engine)).values()) == {MessageStatus.QUEUED}


async def test_a_long_line_with_givers_up_and_a_failure_leaves_no_job_waiting(
    engine: AsyncEngine, database_url: str
) -> None:
    """One debtor, ten jobs in line in one batch: some give up at once, one fails midway.
    Every job ends (none waits for a window it will never get), nothing of the batch
    stands, and the connection goes back to the pool usable."""
    await seeded(engine, ["D-0"] * 10)
    log = sending_log(engine, database_url)

    async def job(n: int) -> bool:
        async with log.debtor_session("D-0", message_id=f"M-{n}") as window:
            await window.message(f"M-{n}")
            claimed = await window.move(
                f"M-{n}", expect=PENDING, to=MessageStatus.SENDING, detail={}, at=NOW,
                attempts=1,
            )  # fmt: skip
            if n == 5:
                raise RuntimeError("the gate broke")
            return claimed

    try:
        tasks = [asyncio.create_task(job(n)) for n in range(10)]
        await asyncio.sleep(0)
        for n in (0, 3, 8):  # 0: the first in line, before the batch opens
            tasks[n].cancel()
        outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        # the pool's connections are usable afterwards: a plain window commits
        await seeded_more(engine)
        assert await asyncio.wait_for(claim(log, "D-9", 99), 10)
    finally:
        await log.aclose()
    assert [type(o).__name__ for o in outcomes] == [
        "CancelledError", "DecisionWindowLost", "DecisionWindowLost", "CancelledError",
        "DecisionWindowLost", "RuntimeError", "DecisionWindowLost", "DecisionWindowLost",
        "CancelledError", "DecisionWindowLost",
    ]  # fmt: skip
    found = await statuses(engine)
    assert found.pop("M-99") == MessageStatus.SENDING
    assert set(found.values()) == {MessageStatus.QUEUED}


async def seeded_more(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor), [{"debtor_ref": "D-9", "country": "US",
                                              "updated_at": NOW}])  # fmt: skip
        await conn.execute(insert(Message), [{**message(99), "debtor_ref": "D-9"}])


# -- 3. The batch failing while a read in line waits: that job hears CancelledError ---------


async def test_a_batch_failing_while_a_read_in_line_waits_does_not_cancel_that_job(
    engine: AsyncEngine, database_url: str
) -> None:
    """M-1 and M-2 (one debtor) in one batch; the batch's decision statement waits for a row
    lock held elsewhere. M-1, first in line, gives up meanwhile: M-2's read is started, and
    waits for its turn on the connection. The decision statement then fails (cancelled on
    the server here; a lock or statement timeout, a deadlock alike): the batch cancels the
    reads in line (``_cancelled(shared.reads)``) and M-2's job — never cancelled itself —
    is handed ``CancelledError`` instead of the batch's error (or ``DecisionWindowLost``):
    its pipeline neither decides again nor records a crash, and arq takes it for a
    cancelled job."""
    await seeded(engine, ["D-0", "D-0"])
    log = sending_log(engine, database_url)
    try:
        async with engine.connect() as other:
            await other.execute(text("SELECT 1 FROM messages WHERE id = 'M-0' FOR UPDATE"))
            m0 = asyncio.create_task(claim(log, "D-0", 0))
            m1 = asyncio.create_task(claim(log, "D-0", 1))
            await until(engine, "wait_event_type = 'Lock' AND query LIKE '%unnest%'")
            m0.cancel()  # the first in line gives up while the batch's statement waits
            await asyncio.sleep(0.05)
            async with engine.connect() as admin:  # the batch's statement fails
                await admin.execute(
                    text(
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE "
                        "datname = current_database() AND wait_event_type = 'Lock' "
                        "AND query LIKE '%unnest%' AND pid <> pg_backend_pid()"
                    )
                )
            outcomes = await asyncio.wait_for(asyncio.gather(m0, m1, return_exceptions=True), 10)
            await other.rollback()
    finally:
        await log.aclose()
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert not isinstance(outcomes[1], asyncio.CancelledError), (
        "M-1's job was never cancelled, yet its window answered CancelledError"
    )
    assert isinstance(outcomes[1], (DecisionWindowLost, Exception)), repr(outcomes[1])
