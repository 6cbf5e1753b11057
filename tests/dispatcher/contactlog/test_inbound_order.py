"""A START lifts only the opt-outs recorded before it arrived: one whose transaction ran
after a later STOP's (it waited for a lock, say) leaves that STOP in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.inbound import InboundReply, apply_reply
from dispatcher.contactlog.models import Hold

NUMBER = "+12015550123"
T0 = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)


def reply(sid: str, keyword: str, received_at: datetime) -> InboundReply:
    return InboundReply(
        message_sid=sid,
        sender=NUMBER,
        recipient="+15005550006",
        keyword=keyword,
        word=keyword.lower(),
        received_at=received_at,
        reason=f"replied {keyword!r} ({sid})",
    )


async def active_holds(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Hold.id).where(Hold.lifted_at.is_(None)))
        return list(rows.scalars())


async def test_a_start_does_not_lift_a_stop_that_arrived_after_it(engine: AsyncEngine) -> None:
    # Given a STOP that arrived at T0 + 2 s and was applied first
    stop = await apply_reply(engine, reply("SM-stop", "STOP", T0 + timedelta(seconds=2)), now=T0)
    assert (stop.applied, stop.replay) == ("opt_out_set", False)

    # When a START that arrived at T0 + 1 s is applied after it
    start = await apply_reply(engine, reply("SM-start", "START", T0 + timedelta(seconds=1)), now=T0)

    # Then the STOP stays, and the START says why it lifted nothing
    assert (start.applied, start.hold_ids) == ("kept_newer_stop", stop.hold_ids)
    assert await active_holds(engine) == stop.hold_ids


async def test_a_start_lifts_a_stop_that_arrived_before_it(engine: AsyncEngine) -> None:
    stop = await apply_reply(engine, reply("SM-stop", "STOP", T0), now=T0)

    start = await apply_reply(engine, reply("SM-start", "START", T0 + timedelta(seconds=1)), now=T0)

    assert (start.applied, start.hold_ids) == ("opt_out_lifted", stop.hold_ids)
    assert await active_holds(engine) == []


async def test_a_replay_answers_what_the_first_arrival_did(engine: AsyncEngine) -> None:
    first = await apply_reply(engine, reply("SM-stop", "STOP", T0), now=T0)
    later = T0 + timedelta(minutes=5)

    again = await apply_reply(engine, reply("SM-stop", "STOP", later), now=later)

    assert again.replay
    assert (again.applied, again.hold_ids, again.received_at) == (
        first.applied,
        first.hold_ids,
        T0,
    )
