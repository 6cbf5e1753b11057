"""Counting by what counts: the session's SQL against the packs' event kinds.

Runs on SQLite and PostgreSQL. The contract test checks that the real session and the
tests' plain in-memory reading (``log.FakeLog``) agree on random logs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.session import debtor_session
from tests.compliance.calls.log import MEANS, RESULTS, Attempt, FakeLog, insert_attempts

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
REG_F = frozenset({"call.answered", "call.unanswered", "call.voicemail"})
CN_CONVERSATIONS = frozenset({"call.conversation", "call.robot_answered"})
CN_UNANSWERED = frozenset({"call.unanswered", "call.voicemail", "call.busy", "call.unconnected"})
US_MA = frozenset({"call.answered", "call.unanswered", "call.voicemail", "call.busy", "sms.sent"})


async def count(engine: AsyncEngine, kinds: frozenset[str], **scope: Any) -> int:
    async with debtor_session(engine, scope.pop("debtor_ref", "D-1")) as session:
        found = await session.count_attempts(
            debtor_ref=session.debtor.debtor_ref if session.debtor else "D-1",
            counts=kinds, since=NOW - timedelta(days=7), **scope,
        )  # fmt: skip
        return found.count


async def test_each_result_counts_only_toward_the_kinds_that_name_it(engine: AsyncEngine) -> None:
    # Given one call of each result, a call in flight, a wrong number, a text and a failure
    at = NOW - timedelta(hours=1)
    await insert_attempts(
        engine,
        *(Attempt(at, result) for result in RESULTS),
        Attempt(at, None, status="sent"),  # in flight: holds a slot in every call cap
        Attempt(at, None, status="queued"),  # never claimed: not an attempt
        Attempt(at, "answered", wrong_number=True),  # reached someone else
        Attempt(at, "sent", channel="sms", status="delivered"),
        Attempt(at, "failed", channel="sms", status="failed"),
        Attempt(at - timedelta(days=8), "answered"),  # before the window
    )
    # Then each cap counts what its pack names, plus the call in flight
    assert await count(engine, REG_F) == 4 + 1  # conversation, answered, voicemail, unanswered
    assert await count(engine, CN_CONVERSATIONS) == 1 + 1
    assert await count(engine, CN_UNANSWERED) == 4 + 1  # voicemail, unanswered, busy, unconn.
    assert await count(engine, US_MA) == 5 + 1 + 1  # ... busy too, and the text
    assert await count(engine, frozenset({"sms.sent"})) == 1
    assert await count(engine, frozenset({"call.failed"})) == 0


async def test_an_automated_reminder_a_person_heard_is_a_conversation_under_cn(
    engine: AsyncEngine,
) -> None:
    at = NOW - timedelta(hours=1)
    await insert_attempts(
        engine,
        Attempt(at, "answered", collector_id=None),  # a person listened to the robot
        Attempt(at, "voicemail", collector_id=None),  # a machine did: not a conversation
        Attempt(at, "answered"),  # a collector's call picked up, no disposition yet
    )
    assert await count(engine, CN_CONVERSATIONS) == 1
    assert await count(engine, REG_F) == 3  # Reg F counts all three calls


async def test_scope_by_debt_and_by_number(engine: AsyncEngine) -> None:
    at = NOW - timedelta(hours=2)
    await insert_attempts(
        engine,
        Attempt(at, "unanswered", account_ref="A-1", destination="+12125550134"),
        Attempt(at, "unanswered", account_ref="A-2", destination="+12125550134"),
        Attempt(at, "unanswered", account_ref="A-1", destination="+12125550999"),
        Attempt(at, "unanswered", debtor_ref="D-2"),
    )
    assert await count(engine, REG_F) == 3
    assert await count(engine, REG_F, account_ref="A-1") == 2
    assert await count(engine, REG_F, destination="+12125550134") == 2


async def test_the_latest_counted_attempt_in_flight_or_settled(engine: AsyncEngine) -> None:
    conversation = NOW - timedelta(days=2)
    await insert_attempts(
        engine,
        Attempt(conversation, "conversation"),
        Attempt(conversation + timedelta(hours=1), "unanswered"),
        Attempt(conversation - timedelta(days=1), "conversation"),
    )
    async with debtor_session(engine, "D-1") as session:
        latest = await session.latest_attempt(
            debtor_ref="D-1", counts=CN_CONVERSATIONS, since=NOW - timedelta(days=7)
        )
        assert latest is not None and (latest.at, latest.result) == (conversation, "conversation")
    await insert_attempts(engine, Attempt(NOW - timedelta(minutes=1), None, status="sending"))
    async with debtor_session(engine, "D-1") as session:
        latest = await session.latest_attempt(
            debtor_ref="D-1", counts=CN_CONVERSATIONS, since=NOW - timedelta(days=7)
        )
        assert latest is not None and latest.result is None  # it may yet be a conversation
        none = await session.latest_attempt(debtor_ref="D-1", counts=CN_CONVERSATIONS, since=NOW)
        assert none is None


async def test_one_query_per_cap_and_unknown_kinds_fail(engine: AsyncEngine) -> None:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    async with debtor_session(engine, "D-1") as session:
        statements.clear()
        await session.count_attempts(debtor_ref="D-1", counts=US_MA, since=NOW)
        assert len(statements) == 1
        with pytest.raises(ValueError, match=r"call\.typo"):
            await session.count_attempts(
                debtor_ref="D-1", counts=frozenset({"call.typo"}), since=NOW
            )
    event.remove(engine.sync_engine, "before_cursor_execute", seen)


attempts = st.lists(
    st.builds(
        Attempt,
        at=st.integers(0, 10 * 24 * 60).map(lambda m: NOW - timedelta(minutes=m)),
        result=st.sampled_from((*RESULTS, "sent", None)),
        channel=st.sampled_from(("voice", "voice", "sms", "letter")),
        status=st.sampled_from(("sending", "sent", "delivered", "failed", "queued", "blocked")),
        account_ref=st.sampled_from(("A-1", "A-2", None)),
        destination=st.sampled_from(("+12125550134", "+12125550999")),
        wrong_number=st.booleans(),
    ),
    max_size=25,
)
kinds = st.frozensets(st.sampled_from((*MEANS, "sms.sent")), min_size=1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(log=attempts, counted=kinds, days=st.integers(1, 10))
async def test_the_session_and_the_plain_reading_agree(
    engine: AsyncEngine, log: list[Attempt], counted: frozenset[str], days: int
) -> None:
    debtor = f"D-{uuid.uuid4().hex[:12]}"  # a fresh debtor per example: no cleanup needed
    log = [Attempt(**{**a.__dict__, "debtor_ref": debtor}) for a in log]
    await insert_attempts(engine, *log)
    fake, since = FakeLog(log), NOW - timedelta(days=days)
    for scope in ({}, {"account_ref": "A-1"}, {"destination": "+12125550134"}):
        async with debtor_session(engine, debtor) as session:
            real = await session.count_attempts(
                debtor_ref=debtor, counts=counted, since=since, **scope
            )
            latest = await session.latest_attempt(
                debtor_ref=debtor, counts=counted, since=since, **scope
            )
        expected = await fake.count_attempts(
            debtor_ref=debtor, counts=counted, since=since, **scope
        )
        assert real == expected, (scope, counted)
        fake_latest = await fake.latest_attempt(
            debtor_ref=debtor, counts=counted, since=since, **scope
        )
        assert (latest.at if latest else None) == (fake_latest.at if fake_latest else None)
