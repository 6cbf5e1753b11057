"""Destruction on schedule: the plan honours the policy, the packs' minimum and legal holds;
a run erases the personal data and destroys the secrets, and afterwards `audit verify`
passes, the statistics are unchanged, and the certificate is sealed. On SQLite and PG."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import (
    Debtor,
    DebtorSecret,
    Hold,
    Message,
    MessageEvent,
    PreferenceChange,
)
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from dispatcher.retention import run as retention_run
from dispatcher.retention.models import (
    RetentionCertificate,
    RetentionClosure,
    RetentionPolicy,
    RetentionRun,
)
from dispatcher.retention.policy import plan
from dispatcher.retention.run import run_retention
from dispatcher.risk_flags.store import set_flag
from tests.proof.insider import sql
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()
SIX_YEARS = START + timedelta(days=6 * 366)


async def given_a_sealed_log(engine: AsyncEngine) -> None:
    """Messages of debtors D-0..D-11; D-1, D-2, D-3 and D-4 closed at START, in China.
    D-1 and D-4 have a policy; D-2 too but an open dispute; D-3 none."""
    await add_messages(engine, 12)
    async with engine.begin() as conn:
        await conn.execute(insert(Debtor), [
            {"debtor_ref": f"D-{n}", "country": "CN", "updated_at": START,
             "phones": [{"number": "+8613800138000", "type": "mobile", "consent": True}],
             "address": {"lines": ["上海市 某路 1 号"], "country": "CN"}}
            for n in (1, 2, 3, 4)
        ])  # fmt: skip
        await conn.execute(insert(RetentionClosure), [
            {"debtor_ref": f"D-{n}", "portfolio": "cn-cards" if n != 3 else "other",
             "closed_at": START, "set_by": "ops:ann", "set_at": START}
            for n in (1, 2, 3, 4)
        ])  # fmt: skip
        await conn.execute(
            insert(RetentionPolicy).values(
                scope="portfolio", ref="cn-cards", keep_days=30, set_by="ops:ann", set_at=START
            )
        )
        await conn.execute(insert(Hold).values(
            kind="dispute", debtor_ref="D-2", set_by="api:compliance", source="api",
            reason="the debtor disputes the amount", created_at=START))  # fmt: skip
    await set_flag(engine, "D-1", "complaint", reason="投诉", actor="collector:c-17",
                   role="collector", at=START)  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(insert(PreferenceChange).values(
            debtor_ref="D-1", at=START, by="collector:c-17", source="api",
            reason="上班时间不方便接电话",
            changes={"inconvenient_times": {"from": None, "to": [{"end": "10:00"}]}}))  # fmt: skip
    await seal_pending(engine, KEY, now=START + timedelta(hours=1))


async def statistics(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Message.channel, Message.status, func.count())
            .group_by(Message.channel, Message.status)
            .order_by(Message.channel, Message.status)
        )
        events = await conn.execute(
            select(MessageEvent.status, func.count()).group_by(MessageEvent.status)
        )
        return [*map(tuple, rows), *sorted(map(tuple, events))]


async def test_the_plan_waits_for_the_packs_minimum_and_honours_holds(engine: AsyncEngine) -> None:
    await given_a_sealed_log(engine)
    async with engine.connect() as conn:
        early = await plan(conn, now=START + timedelta(days=31))
        late = await plan(conn, now=SIX_YEARS)
    assert early.due == []  # 30 days of policy, but cn keeps collection records 5 years
    assert {d.debtor_ref for d in late.due} == {"D-1", "D-4"}
    by_ref = {d.debtor_ref: d for d in late.debtors}
    assert by_ref["D-1"].minimum == "cn collection_records: 5 years from creation"
    assert by_ref["D-2"].blocked_by == ["hold 1 (dispute) stands"]
    assert by_ref["D-3"].blocked_by == ["no retention policy for the debtor or its portfolio"]


async def test_after_destruction_verify_passes_and_the_statistics_are_unchanged(
    engine: AsyncEngine,
) -> None:
    await given_a_sealed_log(engine)
    before = await statistics(engine)

    result = await run_retention(engine, by="ops:bo", now=SIX_YEARS)

    assert [d["debtor_ref"] for d in result.debtors] == ["D-1", "D-4"]
    assert result.rows["messages"] == 2 and result.rows["message_events"] == 6
    assert result.rows["secrets_destroyed"] == 2
    assert result.rows["risk_flag_events"] == 1  # D-1's complaint: its reason erased
    assert result.rows["preference_changes"] == 1  # what D-1 asked for, and why
    async with engine.connect() as conn:
        erased = (await conn.execute(
            select(Message.content, Message.destination, Message.variables)
            .where(Message.debtor_ref.in_(["D-1", "D-4"])))).all()  # fmt: skip
        details = (
            await conn.execute(
                select(MessageEvent.detail).join(Message).where(Message.debtor_ref == "D-1")
            )
        ).all()
        kept = (
            await conn.execute(select(Message.content).where(Message.debtor_ref == "D-2"))
        ).scalar_one()
        secrets = dict((await conn.execute(
            select(DebtorSecret.debtor_ref, DebtorSecret.secret))).all())  # fmt: skip
        debtor = (await conn.execute(select(Debtor.phones).where(Debtor.debtor_ref == "D-1"))).one()
        stated = (await conn.execute(
            select(PreferenceChange.reason, PreferenceChange.changes))).all()  # fmt: skip
    assert erased == [(None, "", {}), (None, "", {})]
    assert details == [({},), ({},), ({},)]
    assert kept == "提醒 2"
    assert secrets["D-1"] is None and secrets["D-4"] is None and secrets["D-2"] is not None
    assert debtor == (None,)
    assert stated == [("", {})]

    assert await statistics(engine) == before
    await seal_pending(engine, KEY, now=SIX_YEARS + timedelta(hours=1))  # the certificate
    report = await verify_log(engine, KEY.public_key())
    assert report.findings == []
    async with engine.connect() as conn:
        certificate = (await conn.execute(select(RetentionCertificate.__table__))).one()
        sealed = (
            await conn.execute(
                text("SELECT count(*) FROM audit_leaves WHERE kind = 'retention_certificate'")
            )
        ).scalar()
    assert certificate.by == "ops:bo" and certificate.rows["messages"] == 2
    assert [d["policy"] for d in certificate.debtors] == [
        "portfolio cn-cards: 30 days after the account closed"] * 2  # fmt: skip
    assert sealed == 1

    # A public field edited after destruction is still named; the commitment stands alone.
    await sql(engine, "UPDATE message_events SET status = 'failed' WHERE id = 4")
    assert {(f.kind, f.subject) for f in (await verify_log(engine, KEY.public_key())).findings} \
        >= {("changed", "event 4")}  # fmt: skip


async def test_an_interrupted_run_resumes_and_erases_each_debtor_once(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_a_sealed_log(engine)
    erase = retention_run.erase_debtor
    calls: list[str] = []

    async def crash_on_the_second(conn: Any, ref: str, **kwargs: Any) -> dict[str, int]:
        calls.append(ref)
        if len(calls) == 2:
            raise ConnectionError("the run was killed")
        return await erase(conn, ref, **kwargs)

    monkeypatch.setattr(retention_run, "erase_debtor", crash_on_the_second)
    with pytest.raises(ConnectionError):
        await run_retention(engine, by="ops:bo", now=SIX_YEARS)
    monkeypatch.setattr(retention_run, "erase_debtor", erase)

    result = await run_retention(engine, by="ops:cy", now=SIX_YEARS + timedelta(minutes=5))

    assert result.resumed and [d["outcome"] for d in result.debtors] == ["erased", "erased"]
    assert result.rows["messages"] == 2  # D-1's from the first run, D-4's from this one
    async with engine.connect() as conn:
        runs = (await conn.execute(select(RetentionRun.id, RetentionRun.finished_at))).all()
    assert len(runs) == 1 and runs[0].finished_at is not None
    assert (await run_retention(engine, by="ops:cy", now=SIX_YEARS)).run_id is None
    await seal_pending(engine, KEY, now=SIX_YEARS + timedelta(hours=1))
    assert (await verify_log(engine, KEY.public_key())).findings == []


async def test_a_hold_set_during_a_run_stops_that_debtor_until_it_is_lifted(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_a_sealed_log(engine)
    erase = retention_run.erase_debtor

    async def hold_set_meanwhile(conn: Any, ref: str, **kwargs: Any) -> dict[str, int]:
        if ref == "D-1":  # while D-1 is erased, compliance opens a dispute for D-4
            await conn.execute(insert(Hold).values(
                kind="dispute", debtor_ref="D-4", set_by="api:compliance", source="api",
                reason="disputed", created_at=SIX_YEARS))  # fmt: skip
        return await erase(conn, ref, **kwargs)

    monkeypatch.setattr(retention_run, "erase_debtor", hold_set_meanwhile)
    result = await run_retention(engine, by="ops:bo", now=SIX_YEARS)
    assert [d["outcome"] for d in result.debtors] == ["erased", "blocked by a legal hold"]
    async with engine.connect() as conn:
        assert [d.debtor_ref for d in (await plan(conn, now=SIX_YEARS)).due] == []
    await sql(engine, "UPDATE holds SET lifted_at = :at, lifted_by = 'api:c' WHERE debtor_ref = "
              "'D-4'", at=SIX_YEARS)  # fmt: skip
    async with engine.connect() as conn:
        assert [d.debtor_ref for d in (await plan(conn, now=SIX_YEARS)).due] == ["D-4"]


async def test_a_litigation_flag_blocks_destruction(engine: AsyncEngine) -> None:
    await given_a_sealed_log(engine)
    await set_flag(engine, "D-4", "litigation", reason="court case 2031-17", actor="compliance:ann",
                   role="compliance", at=START + timedelta(days=400))  # fmt: skip
    async with engine.connect() as conn:
        found = await plan(conn, now=SIX_YEARS)
    assert [d.debtor_ref for d in found.due] == ["D-1"]
    (d4,) = [d for d in found.debtors if d.debtor_ref == "D-4"]
    assert d4.blocked_by == ["risk flag litigation set since 2027-12-07T09:00:00+00:00"]
