"""Retention scrubs the debtor's outbound events too — what webhooks, dead letters and the
changes feed send — and the proofs still verify afterwards. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Hold
from dispatcher.events.erasure import DEBTOR_OF_EVENT, erase_debtor_events
from dispatcher.events.models import OutboundEvent
from dispatcher.events.projector import project
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from dispatcher.retention.run import run_retention
from tests.proof.logdata import START
from tests.retention.test_destruction import KEY, SIX_YEARS, given_a_sealed_log

NUMBER = "+8613800138000"
OPT_OUT_WORDS = "STOP 别再发了"


async def events_of(engine: AsyncEngine, debtor_ref: str) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(OutboundEvent.type, OutboundEvent.data)
            .where(DEBTOR_OF_EVENT == debtor_ref)
            .order_by(OutboundEvent.seq)
        )
        return [(kind, dict(data)) for kind, data in rows]


async def test_the_debtor_s_outbound_events_are_scrubbed_and_verify_still_passes(
    engine: AsyncEngine,
) -> None:
    # Given a sealed log whose events were projected for the subscribers — D-1's messages
    # (details with notes), an opt-out with its number and words, a complaint flag
    await given_a_sealed_log(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(Hold).values(
            kind="opt_out", debtor_ref="D-1", destination=NUMBER, channel="sms",
            set_by="inbound", source="inbound:STOP", reason=OPT_OUT_WORDS, created_at=START,
        ))  # fmt: skip
    await project(engine, now=START + timedelta(hours=2), lag=timedelta(0))
    before = await events_of(engine, "D-1")
    kept_before = await events_of(engine, "D-2")
    shown = json.dumps(before, ensure_ascii=False)
    assert NUMBER in shown and OPT_OUT_WORDS in shown and "投诉" in shown and "模板" in shown
    assert {kind for kind, _ in before} >= {"message.queued", "hold.set", "risk_flag.set"}

    # When retention destroys D-1 and D-4
    result = await run_retention(engine, by="ops:bo", now=SIX_YEARS)

    # Then every one of D-1's events is kept, marked erased, without its personal data...
    after = await events_of(engine, "D-1")
    assert result.rows["outbound_events"] == len(after) + len(await events_of(engine, "D-4"))
    assert [kind for kind, _ in after] == [kind for kind, _ in before]
    assert all(data["erased"] is True for _, data in after)
    shown = json.dumps(after, ensure_ascii=False)
    for personal in (NUMBER, OPT_OUT_WORDS, "投诉", "模板"):
        assert personal not in shown
    statuses = [(d.get("message_id"), d.get("status")) for _, d in after]
    assert statuses == [(d.get("message_id"), d.get("status")) for _, d in before]
    # ... D-2's are untouched, a second pass changes nothing, and the proofs verify
    assert await events_of(engine, "D-2") == kept_before
    async with engine.begin() as conn:
        assert await erase_debtor_events(conn, "D-1") == 0
    await seal_pending(engine, KEY, now=SIX_YEARS + timedelta(hours=1))
    assert (await verify_log(engine, KEY.public_key())).findings == []
