"""The figures from a small hand-built log: each one counted from what happened."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Account, Hold, Message
from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.stats.fold import LAG, fold_pending
from dispatcher.stats.models import Payment
from dispatcher.stats.query import StatsFilter, figures
from dispatcher.workspace.models import DebtorAssignment
from tests.stats.log import T0, HandLog

DAY = date(2026, 12, 3)
LATER = T0 + timedelta(days=2)


async def built(engine: AsyncEngine) -> HandLog:
    log = HandLog(engine)
    await log.setup()
    m1 = await log.message()
    await log.attempt(m1, T0, result="sent")
    m2 = await log.message()
    await log.move(m2, "blocked", T0, {"decision": "block", "rule_id": "frequency.cap"})
    m3 = await log.message(channel="voice", debtor="d-2", account="a-2", collector="c-1")
    await log.attempt(m3, T0, result="conversation")
    promise = {
        "kind": "promise_to_pay",
        "by": "c-1",
        "at": (T0 + timedelta(hours=1)).isoformat(),
        "amount": "500.00",
        "currency": "CNY",
        "date": "2026-12-10",
    }
    await log.move(
        m3, "delivered", T0 + timedelta(hours=1), {"kind": "promise_to_pay"}, disposition=promise
    )
    m4 = await log.message(channel="voice", debtor="d-2", account="a-2", collector="c-2")
    await log.attempt(m4, T0 + timedelta(hours=14, minutes=30), result="voicemail")  # 23:30
    m5 = await log.message()
    await log.move(m5, "deferred", T0, {"decision": "defer", "rule_id": "hours.allowed_window"})
    await log.move(m5, "blocked", T0, {"decision": "block", "rule_id": "hold.active"})
    m6 = await log.message(channel="letter")
    await log.attempt(
        m6,
        T0,
        result="sent",
        final="sent",
        verdict={
            "decision": "allow",
            "rules": [
                {
                    "rule_id": "hours.allowed_window",
                    "decision": "allow",
                    "inputs": {"packs": ["cn", "org"]},
                }
            ],
        },
    )
    await log.move(
        m6,
        "undelivered",
        T0 + timedelta(days=1, hours=-10),
        {"provider_status": "letter.returned_to_sender"},
    )
    m7 = await log.message(channel="voice", debtor="d-2", account="a-2", collector="c-1")
    await log.attempt(m7, T0, result="conversation")
    await log.move(
        m7,
        "delivered",
        T0,
        {"kind": "dispute"},
        disposition={"kind": "dispute", "by": "c-1", "at": T0.isoformat()},
    )
    async with engine.begin() as conn:
        await conn.execute(
            insert(RiskFlagEvent).values(
                debtor_ref="d-2", flag="complaint", action="set", reason="rude call",
                actor="compliance:ann", actor_role="compliance", at=T0 + timedelta(hours=2),
            )
        )  # fmt: skip
        await conn.execute(
            insert(Hold).values(
                kind="opt_out",
                channel="sms",
                destination=None,
                debtor_ref="d-1",
                set_by="inbound",
                source="inbound:STOP",
                reason="STOP",
                created_at=T0,
            )
        )
    return log


async def stats(engine: AsyncEngine, **filters: Any) -> dict[str, Any]:
    wanted = StatsFilter(DAY, DAY + timedelta(days=1), **filters)
    return await figures(engine, wanted, grace_days=3, today=DAY)


async def test_every_figure_is_counted_from_the_log(engine: AsyncEngine) -> None:
    # Given a day of contacts, refusals, dispositions, a returned letter and an opt-out
    await built(engine)
    # When the log is folded and the figures read
    folded = await fold_pending(engine, now=LATER)
    found = await stats(engine)
    # Then each figure says what happened
    assert sum(f.events for f in folded) == 7 + 2 * 5 + 2 + 1 + 2 + 1
    assert found["contacts_by_day"] == [
        {"day": "2026-12-03", "channel": "letter", "result": "sent", "count": 1},
        {"day": "2026-12-03", "channel": "sms", "result": "sent", "count": 1},
        {"day": "2026-12-03", "channel": "voice", "result": "conversation", "count": 2},
        {"day": "2026-12-03", "channel": "voice", "result": "voicemail", "count": 1},
    ]
    assert found["collectors"] == [
        {
            "collector_id": "c-1",
            "calls": 2,
            "visits": 0,
            "conversations": 2,
            "promises_to_pay": 1,
            "disputes": 1,
            "complaints": 1,
            "promises_kept": 0,
            "recovered": [],
        },
        {
            "collector_id": "c-2",
            "calls": 1,
            "visits": 0,
            "conversations": 0,
            "promises_to_pay": 0,
            "disputes": 0,
            "complaints": 0,
            "promises_kept": 0,
            "recovered": [],
        },
    ]
    assert found["refusals_by_rule"] == [
        {"rule_id": "frequency.cap", "count": 1},
        {"rule_id": "hold.active", "count": 1},
    ]
    assert found["deferrals_by_rule"] == [{"rule_id": "hours.allowed_window", "count": 1}]
    assert found["caps_reached"] == 1
    assert found["attempts"] == 5
    assert found["attempts_outside_hours"] == 1  # the call at 23:30 in Shanghai
    assert found["letters_returned"] == 1
    assert found["opt_outs"] == 1
    assert found["complaints"] == 1  # credited to c-1, whose call came last before it
    assert found["promises"] == {"made": 1, "kept": 0, "open": 1, "kept_rate": None}


async def test_a_team_and_a_portfolio_narrow_the_figures(engine: AsyncEngine) -> None:
    await built(engine)
    await fold_pending(engine, now=LATER)
    north = await stats(engine, team="north")
    assert (await stats(engine, team="south"))["complaints"] == 0
    assert [c["collector_id"] for c in north["collectors"]] == ["c-1"]
    assert north["attempts"] == 2 and north["attempts_outside_hours"] == 0
    loans = await stats(engine, portfolio="p-loans")
    assert loans["attempts"] == 3 and loans["refusals_by_rule"] == []
    assert {(r["channel"], r["result"]) for r in loans["contacts_by_day"]} == {
        ("voice", "conversation"),
        ("voice", "voicemail"),
    }


async def test_a_team_s_success_rate_is_over_the_accounts_assigned_to_it(
    engine: AsyncEngine,
) -> None:
    # Given two accounts on the book, d-2's assigned to c-1 (north), d-1's to c-2 (south),
    # and a payment on d-2's account in the period
    await built(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(Account), [
            {"debtor_ref": d, "account_ref": a, "amount": amount, "currency": "CNY",
             "days_overdue": overdue, "updated_at": T0}
            for d, a, amount, overdue in (("d-1", "a-1", "300.00", 0), ("d-2", "a-2", "900.00", 12))
        ])  # fmt: skip
        await conn.execute(insert(DebtorAssignment), [
            {"debtor_ref": d, "collector_id": c, "assigned_by": "test", "assigned_at": T0}
            for d, c in (("d-2", "c-1"), ("d-1", "c-2"))
        ])  # fmt: skip
        await conn.execute(insert(Payment).values(
            payment_id="pay-1", fingerprint="f", debtor_ref="d-2", account_ref="a-2",
            amount="500.00", currency="CNY", paid_at=T0 + timedelta(hours=3), paid_on=DAY,
            portfolio="p-loans", reported_by="strategy:fin", received_at=LATER,
            attribution="conversation", attributed_message_id=None,
            attributed_collector_id="c-1", attributed_channel="voice",
        ))  # fmt: skip
    await fold_pending(engine, now=LATER)
    # When the figures are read for the whole book, each team, and a team with no one
    whole, north, south, nobody = [
        await stats(engine, team=team) for team in (None, "north", "south", "east")
    ]
    # Then each team's success rate is over its own book, and so is its overdue rate
    assert whole["success_rate"] == "0.5000"
    assert north["success_rate"] == "1.0000"
    assert south["success_rate"] == "0.0000"
    assert nobody["success_rate"] is None and nobody["overdue_rate"] == []
    assert [r["rate"] for r in whole["overdue_rate"]] == ["0.7500"]
    assert north["overdue_rate"] == [
        {"currency": "CNY", "overdue": "900.00", "balance": "900.00", "rate": "1.0000"}
    ]
    assert (await stats(engine, collector="c-2"))["success_rate"] == "0.0000"


async def test_opt_outs_and_complaints_count_on_the_debtor_s_local_day(
    engine: AsyncEngine,
) -> None:
    # Given, for a Shanghai debtor, opt-outs and complaints at 00:30 and 01:00 local on
    # 3 December (still 2 December in UTC) and at 01:00 local on 4 December (3 December in UTC)
    log = HandLog(engine)
    await log.setup()
    early = [datetime(2026, 12, 2, 16, 30, tzinfo=UTC), datetime(2026, 12, 2, 17, 0, tzinfo=UTC)]
    next_day = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        for at in (*early, next_day):
            await conn.execute(insert(Hold).values(
                kind="opt_out", channel="sms", destination=None, debtor_ref="d-1",
                set_by="inbound", source="inbound:STOP", reason="STOP", created_at=at,
            ))  # fmt: skip
            await conn.execute(insert(RiskFlagEvent).values(
                debtor_ref="d-1", flag="complaint", action="set", reason="rude call",
                actor="compliance:ann", actor_role="compliance", at=at,
            ))  # fmt: skip
    # When the figures for 3 December (a local day, as for every figure) are read
    found = await figures(engine, StatsFilter(DAY, DAY), grace_days=3, today=DAY)
    # Then the two early ones are counted and the next day's is not, as the debtor's clock says
    assert found["opt_outs"] == 2
    assert found["complaints"] == 2


async def test_an_attempt_with_no_hours_check_counts_as_outside(engine: AsyncEngine) -> None:
    log = HandLog(engine)
    await log.setup()
    unchecked = await log.message()
    await log.attempt(unchecked, T0, result="sent", verdict={"decision": "allow", "rules": []})
    await fold_pending(engine, now=LATER)
    assert (await stats(engine))["attempts_outside_hours"] == 1


async def test_a_changed_result_moves_its_count(engine: AsyncEngine) -> None:
    log = HandLog(engine)
    await log.setup()
    call = await log.message(channel="voice", collector="c-1")
    await log.attempt(call, T0, result="answered")
    await fold_pending(engine, now=LATER)
    before = (await stats(engine))["contacts_by_day"]
    await log.move(
        call,
        "delivered",
        T0 + timedelta(minutes=5),
        {"kind": "right_party"},
        result="conversation",
        disposition={"kind": "right_party", "by": "c-1", "at": T0.isoformat()},
    )
    await fold_pending(engine, now=LATER)
    after = await stats(engine)
    assert [(r["result"], r["count"]) for r in before] == [("answered", 1)]
    assert [(r["result"], r["count"]) for r in after["contacts_by_day"]] == [("conversation", 1)]
    assert after["collectors"][0]["conversations"] == 1


async def test_events_younger_than_the_lag_wait(engine: AsyncEngine) -> None:
    log = HandLog(engine)
    await log.setup()
    sms = await log.message()
    await log.attempt(sms, T0, result="sent")
    assert await fold_pending(engine, now=T0 + LAG - timedelta(seconds=1)) == []
    assert (await stats(engine))["attempts"] == 0
    await fold_pending(engine, now=T0 + LAG + timedelta(seconds=6))
    assert (await stats(engine))["attempts"] == 1


@pytest.mark.parametrize("block", [1, 3])
async def test_folding_in_small_blocks_across_restarts_equals_one_fold(
    engine: AsyncEngine, database_url: str, block: int
) -> None:
    # Given the log folded block by block, each by a freshly made engine (a restart)
    await built(engine)
    from dispatcher.contactlog.database import create_engine

    while True:
        restarted = create_engine(database_url)
        done = await fold_pending(restarted, now=LATER, block=block, max_blocks=2)
        await restarted.dispose()
        if not done:
            break
    in_blocks = await stats(engine)
    # When the counters are thrown away and everything folded again at once
    from sqlalchemy import delete

    from dispatcher.stats.models import StatsContact, StatsCursor, StatsDaily, StatsPromise

    async with engine.begin() as conn:
        for table in (StatsDaily, StatsContact, StatsPromise, StatsCursor):
            await conn.execute(delete(table))
    await fold_pending(engine, now=LATER)
    # Then the figures are the same
    assert await stats(engine) == in_blocks
    assert in_blocks["attempts"] == 5


async def test_the_message_rows_are_not_touched(engine: AsyncEngine) -> None:
    log = await built(engine)
    from sqlalchemy import select

    async with engine.connect() as conn:
        before = (await conn.execute(select(Message.__table__).order_by(Message.id))).all()
    await fold_pending(engine, now=LATER)
    async with engine.connect() as conn:
        after = (await conn.execute(select(Message.__table__).order_by(Message.id))).all()
    assert before == after and len(log.ids) == 7
