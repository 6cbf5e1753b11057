"""The projection: the contact log's rows become events once, in order, none skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatcher.events.gaps import Gap, Position
from dispatcher.events.models import OutboundEvent
from dispatcher.events.projector import project
from tests.dispatcher.conftest import Stack

T0 = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
LAG = timedelta(seconds=30)


def test_ids_read_past_a_gap_leave_it_pending_until_it_commits_or_ages_out() -> None:
    start = Position(high=10)
    # 11 and 14 are read; 12 and 13 were taken by transactions not committed yet.
    seen = start.after([11, 14], now=T0, lag=LAG)
    assert seen == Position(14, (Gap(12, 13, T0),))
    # 13 commits late: it is read then, and only 12 is still pending.
    later = seen.after([13, 15], now=T0 + timedelta(seconds=1), lag=LAG)
    assert later == Position(15, (Gap(12, 12, T0),))
    # 12 never commits (rolled back): forgotten once older than the lag.
    assert later.after([], now=T0 + LAG + timedelta(seconds=1), lag=LAG) == Position(15)


def test_a_gap_in_the_middle_of_a_range_splits_it() -> None:
    position = Position(100, (Gap(1, 100, T0),))
    assert position.after([1, 50, 100], now=T0, lag=LAG).pending == (
        Gap(2, 49, T0),
        Gap(51, 99, T0),
    )


async def journal(stack: Stack) -> list[tuple[str, str]]:
    async with stack.log.engine.connect() as conn:
        rows = await conn.execute(
            select(OutboundEvent.type, OutboundEvent.order_key).order_by(OutboundEvent.seq)
        )
        return [(t, k) for t, k in rows]


async def test_a_sent_text_gives_queued_sent_delivered_once(stack: Stack) -> None:
    message_id = await stack.send()
    await stack.run_worker()
    await stack.twilio.wait_for_callbacks()
    assert await project(stack.log.engine, now=stack.clock.now()) > 0
    assert await project(stack.log.engine, now=stack.clock.now()) == 0  # nothing new
    key = f"message:{message_id}"
    assert await journal(stack) == [
        ("message.queued", key),
        ("message.sent", key),
        ("message.delivered", key),
    ]
