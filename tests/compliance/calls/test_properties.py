"""Properties: whatever the schedule of calls and whatever they come to, no cap is exceeded
and no call falls in a quiet period — as counted afterwards from the contact log itself.

Each example simulates a worker on the real session (SQLite and PostgreSQL): for each
due call, evaluate the gate under the debtor's lock; if allowed, claim it (a row in
flight, no result yet); the call settles with a random result either before the next call
is checked or only after it (so the next check sees it in flight).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import CheckSubject, ComplianceGate, Decision
from compliance.caps import ConversationQuietPeriodRule, FrequencyCapRule
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.session import debtor_session
from tests.compliance.calls.log import (
    BEIJING_NUMBER,
    RESULTS,
    Attempt,
    cn_subject,
    counts,
    row,
    subject,
)

START = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)  # spans the US DST change of 1 November
NEW_YORK, BEIJING = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")
GATE = ComplianceGate([FrequencyCapRule(), ConversationQuietPeriodRule()])


def schedules(days: int) -> st.SearchStrategy[list[tuple[int, str, bool, bool, str]]]:
    return st.lists(
        st.tuples(
            st.integers(0, days * 24 * 60),  # minutes after START
            st.sampled_from(RESULTS),  # what the call comes to
            st.integers(0, 9).map(lambda n: n == 0),  # a wrong number, now and then
            st.booleans(),  # settles before the next call is checked
            st.sampled_from((BEIJING_NUMBER, "+8613900139000")),  # cn: which number
        ),
        min_size=1,
        max_size=40,
    )


async def simulate(
    engine: AsyncEngine,
    schedule: list[tuple[int, str, bool, bool, str]],
    make: Callable[..., CheckSubject],
    destination: Callable[[str], str],
) -> list[Attempt]:
    debtor = f"D-{uuid.uuid4().hex[:12]}"
    in_flight: list[tuple[str, Attempt]] = []
    for minutes, result, wrong, settles_first, number in sorted(schedule):
        now = START + timedelta(minutes=minutes)
        async with debtor_session(engine, debtor) as session:
            verdict = await GATE.evaluate(
                make(now, session, debtor_ref=debtor, destination=destination(number))
            )
            assert verdict.decision is not Decision.BLOCK, verdict.to_json()
            if verdict.decision is Decision.ALLOW:
                attempt = Attempt(now, None, status="sending", debtor_ref=debtor,
                                  destination=destination(number))  # fmt: skip
                claimed = row(attempt)
                await session.conn.execute(insert(Message).values(claimed))
                settled = replace(attempt, result=result, status="sent", wrong_number=wrong)
                in_flight.append((claimed["id"], settled))
            else:
                assert verdict.until is not None and verdict.until > now
        while in_flight and (settles_first or len(in_flight) > 1):
            await settle(engine, *in_flight.pop(0))
    for pending in in_flight:
        await settle(engine, *pending)
    return await read_back(engine, debtor)


async def settle(engine: AsyncEngine, message_id: str, attempt: Attempt) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(Message).where(Message.id == message_id).values(
                result=attempt.result, status=attempt.status,
                disposition={"kind": "wrong_number"} if attempt.wrong_number else None,
            )
        )  # fmt: skip


async def read_back(engine: AsyncEngine, debtor: str) -> list[Attempt]:
    """The debtor's calls, as the log has them now."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(Message).where(Message.debtor_ref == debtor))
        return [
            Attempt(r.attempted_at, r.result, status=r.status, destination=r.destination,
                    wrong_number=(r.disposition or {}).get("kind") == "wrong_number",
                    debtor_ref=debtor)
            for r in rows
        ]  # fmt: skip


def per_window(days: list[date], length: int) -> int:
    """The most dates in any ``length`` consecutive days."""
    return max((sum(1 for d in days if first <= d < first + timedelta(days=length))
                for first in days), default=0)  # fmt: skip


PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(schedule=schedules(days=20))
async def test_reg_f_never_more_than_7_in_7_days_nor_a_call_in_a_quiet_period(
    engine: AsyncEngine, schedule: list[tuple[int, str, bool, bool, str]]
) -> None:
    log = await simulate(engine, schedule, subject, lambda _: "+12125550134")
    local = {a: a.at.astimezone(NEW_YORK).date() for a in log}
    reg_f = frozenset({"call.answered", "call.unanswered", "call.voicemail"})
    assert per_window([local[a] for a in log if counts(a, reg_f)], 7) <= 7
    conversations = [a for a in log if counts(a, frozenset({"call.conversation"}))]
    for c in conversations:
        barred = [a for a in log if c.at < a.at and local[a] <= local[c] + timedelta(days=6)]
        assert not barred, (c, barred)


@PROPERTY
@given(schedule=schedules(days=3))  # dense: several calls a day
async def test_cn_never_more_than_3_conversations_nor_6_unanswered_per_number_a_day(
    engine: AsyncEngine, schedule: list[tuple[int, str, bool, bool, str]]
) -> None:
    log = await simulate(engine, schedule, cn_subject, lambda number: number)

    def day(a: Attempt) -> date:
        return a.at.astimezone(BEIJING).date()

    conversations = Counter(day(a) for a in log if counts(a, frozenset({"call.conversation"})))
    assert max(conversations.values(), default=0) <= 3
    unanswered = frozenset({"call.unanswered", "call.voicemail", "call.busy", "call.unconnected"})
    per_number = Counter((day(a), a.destination) for a in log if counts(a, unanswered))
    assert max(per_number.values(), default=0) <= 6
