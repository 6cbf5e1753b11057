"""The operations.pause rule and the reader that feeds it, without HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import CheckSubject, Decision
from compliance.rules.pause import PauseFact, PauseRule, campaign_of
from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Pause
from dispatcher.pauses.state import PauseReader, PauseStore

NOW = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)


class Pauses:
    def __init__(self, *pauses: PauseFact, requested_by: str = "api:svc", broken: bool = False):
        self.pauses, self.by, self.broken = pauses, requested_by, broken
        self.asked_for: list[str] = []

    async def active_pauses(self) -> Sequence[PauseFact]:
        if self.broken:
            raise ConnectionError("database unreachable")
        return self.pauses

    async def requested_by(self, message_id: str) -> str | None:
        self.asked_for.append(message_id)
        return self.by


def pause(scope: str, target: str | None = None) -> PauseFact:
    return PauseFact(1, scope, target, "wrong amounts", "admin:ops", NOW - timedelta(minutes=5))


def subject(channel: str = "sms") -> CheckSubject:
    return CheckSubject(
        message_id="M1",
        channel=channel,
        debtor_ref="D-1",
        account_ref=None,
        destination="+12015550123",
        locale="en-US",
        template_name="t",
        template_version="v",
        body="hi",
        render_error=None,
        segments=1,
        now=NOW,
        facts=None,  # type: ignore[arg-type]
    )


async def test_nothing_paused_allows() -> None:
    result = await PauseRule(Pauses()).check(subject())
    assert result.decision is Decision.ALLOW


async def test_a_pause_of_everything_defers_for_two_seconds_and_says_who_and_why() -> None:
    result = await PauseRule(Pauses(pause("all"))).check(subject())
    assert result.decision is Decision.DEFER
    assert result.until == NOW + timedelta(seconds=2)
    assert "all sending paused by admin:ops" in result.reason and "wrong amounts" in result.reason


async def test_a_channel_pause_applies_to_its_channel_only() -> None:
    rule = PauseRule(Pauses(pause("channel", "voice")))
    assert (await rule.check(subject("sms"))).decision is Decision.ALLOW
    assert (await rule.check(subject("voice"))).decision is Decision.DEFER


async def test_a_campaign_pause_applies_to_that_campaigns_messages() -> None:
    paused = Pauses(pause("campaign", "nov-run"), requested_by="api:svc#nov-run")
    other = Pauses(pause("campaign", "nov-run"), requested_by="api:svc#dec-run")
    assert (await PauseRule(paused).check(subject())).decision is Decision.DEFER
    assert (await PauseRule(other).check(subject())).decision is Decision.ALLOW
    assert paused.asked_for == ["M1"]
    assert (campaign_of("api:svc"), campaign_of("a#b"), campaign_of("a#")) == (None, "b", None)


async def test_an_unreadable_pause_state_defers_never_sends() -> None:
    result = await PauseRule(Pauses(broken=True)).check(subject())
    assert result.decision is Decision.DEFER
    assert "could not be read (ConnectionError)" in result.reason


@dataclass
class Drill:
    """A pause reader on a clock the test moves, and the store that pauses and resumes."""

    ticks: list[float]
    reader: PauseReader
    store: PauseStore


@pytest.fixture
async def drill(engine: AsyncEngine, database_url: str) -> AsyncIterator[Drill]:
    ticks = [100.0]
    reader = PauseReader(database_url, monotonic=lambda: ticks[0])
    yield Drill(ticks, reader, PauseStore(engine, FrozenClock(NOW)))
    await reader.aclose()
    # The PostgreSQL database is shared by the session: leave nothing paused.
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # pauses are append-only (migration 0012)
            await conn.exec_driver_sql("SET LOCAL dispatcher.erasing = 'on'")
        await conn.execute(delete(Pause))


async def test_the_reader_caches_for_half_a_second(drill: Drill) -> None:
    ticks, reader, store = drill.ticks, drill.reader, drill.store
    assert await reader.active_pauses() == ()

    await store.pause(scope="all", target=None, reason="drill", by="admin:ops")
    ticks[0] += 0.4
    assert await reader.active_pauses() == ()  # still the cached answer
    ticks[0] += 0.2
    (seen,) = await reader.active_pauses()
    assert (seen.scope, seen.reason, seen.paused_by) == ("all", "drill", "admin:ops")

    await store.resume(scope="all", target=None, by="admin:ops", reason=None)
    ticks[0] += 0.6
    assert await reader.active_pauses() == ()


async def test_a_half_stale_answer_is_given_at_once_and_read_again_beside_it(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No verdict waits for the read while the answer is fresh; a read ahead that fails is
    no answer: once stale, the verdict's own read raises (the rule defers on it)."""
    ticks, reader, store = drill.ticks, drill.reader, drill.store
    assert await reader.active_pauses() == ()
    await store.pause(scope="all", target=None, reason="drill", by="admin:ops")
    ticks[0] += 0.3  # older than half of max_age_s

    assert await reader.active_pauses() == ()  # the answer in hand, no wait
    for _ in range(200):  # the time does not move: only the read ahead can tell
        if await reader.active_pauses():
            break
        await asyncio.sleep(0.01)
    (seen,) = await reader.active_pauses()
    assert seen.reason == "drill"

    async def unreadable() -> tuple[PauseFact, ...]:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(reader, "_read", unreadable)
    ticks[0] += 0.3
    assert len(await reader.active_pauses()) == 1  # still fresh; its read ahead fails
    await asyncio.sleep(0.05)
    ticks[0] += 0.3  # now stale
    with pytest.raises(ConnectionError):
        await reader.active_pauses()
