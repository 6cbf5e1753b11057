"""'Stop calling' bars calls only (12 CFR 1006.14(h)): a voice opt-out leaves texts alone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import Decision, HoldFact
from compliance.rules import HoldsRule
from dispatcher.contactlog.holds import add_hold
from dispatcher.contactlog.session import debtor_session
from tests.compliance.calls.log import NEW_YORK_NUMBER, FakeLog, subject

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def stop_calling(destination: str | None = NEW_YORK_NUMBER) -> HoldFact:
    return HoldFact("opt_out", "voice", destination, "said stop calling", "api", "c-1", NOW)


async def test_a_voice_opt_out_blocks_calls_and_not_texts() -> None:
    log = FakeLog(holds=[stop_calling()])
    call = await HoldsRule().check(subject(NOW, log))
    assert call.decision is Decision.BLOCK and "opt_out hold" in call.reason
    text = await HoldsRule().check(subject(NOW, log, channel="sms"))
    assert text.decision is Decision.ALLOW
    other_number = await HoldsRule().check(subject(NOW, log, destination="+12125550999"))
    assert other_number.decision is Decision.ALLOW


async def test_a_voice_opt_out_in_the_log_blocks_calls_and_not_texts(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_hold(
            conn, kind="opt_out", debtor_ref="D-1", destination=None, channel="voice",
            set_by="collector:c-1", source="call", reason="said stop calling", at=NOW,
        )  # fmt: skip
    async with debtor_session(engine, "D-1") as session:
        call = await HoldsRule().check(subject(NOW, session))
        text = await HoldsRule().check(subject(NOW, session, channel="sms"))
    assert call.decision is Decision.BLOCK
    assert call.inputs["holds"][0]["channel"] == "voice"
    assert text.decision is Decision.ALLOW
