"""The fold on PostgreSQL, where ids commit out of order and two folds may run at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import MessageEvent
from dispatcher.stats.fold import LAG, fold_block, fold_pending
from dispatcher.stats.models import StatsCursor
from tests.stats.log import T0, HandLog
from tests.stats.test_figures import DAY, LATER, built, stats


def sending(message_id: str, seconds: float) -> dict[str, object]:
    return {"message_id": message_id, "at": T0 + timedelta(seconds=seconds),
            "source": "worker", "status": "sending", "detail": {"attempt": 2}}  # fmt: skip


# PostgreSQL only: SQLite commits one writer at a time, so its ids become visible in order.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_later_id_committed_first_waits_for_the_earlier(engine: AsyncEngine) -> None:
    log = HandLog(engine)
    await log.setup()
    sms = await log.message()
    await log.attempt(sms, T0, result="sent")  # events 1..3
    async with engine.connect() as slow:
        transaction = await slow.begin()
        await slow.execute(insert(MessageEvent), [sending(sms, 10)])  # id 4, in flight
        async with engine.begin() as fast:
            await fast.execute(insert(MessageEvent), [sending(sms, 11)])  # id 5, committed
        # Event 5 is younger than the lag: event 4 may still commit, so the fold stops at 3.
        await fold_pending(engine, now=T0 + LAG + timedelta(seconds=6))
        assert await _cursor(engine) == 3
        assert (await stats(engine))["attempts"] == 1
        await transaction.commit()
    await fold_pending(engine, now=T0 + timedelta(minutes=5))
    assert await _cursor(engine) == 5
    assert (await stats(engine))["attempts"] == 3  # each attempt once


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_folds_at_once_count_each_event_once(engine: AsyncEngine) -> None:
    await built(engine)
    alone = await _folded_alone(engine)
    results = await asyncio.gather(*(fold_block(engine, now=LATER, block=4) for _ in range(4)))
    await fold_pending(engine, now=LATER)
    assert sum(1 for r in results if r is not None) >= 1
    assert await stats(engine) == alone


async def _folded_alone(engine: AsyncEngine) -> dict[str, object]:
    """The figures of one fold on its own, then the counters emptied again."""
    from sqlalchemy import delete

    from dispatcher.stats.models import StatsContact, StatsDaily, StatsPromise

    await fold_pending(engine, now=LATER)
    found = await stats(engine)
    async with engine.begin() as conn:
        for table in (StatsDaily, StatsContact, StatsPromise, StatsCursor):
            await conn.execute(delete(table))
    assert found["attempts"] == 5 and DAY.isoformat() == found["period"]["from"]
    return found


async def _cursor(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(StatsCursor.last_event_id))).scalar_one())
