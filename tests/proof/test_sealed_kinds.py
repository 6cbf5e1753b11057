"""Every append is sealed, not only message events: holds set and lifted, template
approvals, pauses, API keys, reads of a debtor's log. Verify names each changed, deleted
or inserted entry of any sealed table; personal fields are never in the sealed bytes.
On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import (
    ApiKey,
    AuditLeaf,
    AuditRead,
    Hold,
    Pause,
    TemplateApproval,
)
from dispatcher.proof.kinds import kind_named
from dispatcher.proof.leaves import entry_bytes
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import Report, verify_log
from dispatcher.risk_flags.store import set_flag
from dispatcher.stats.payments import PaymentEvent, record_payment
from tests.proof.insider import sql
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()
NUMBER = "+8613812345678"


async def given_every_kind(engine: AsyncEngine) -> None:
    await add_messages(engine, 2)
    at = START + timedelta(seconds=5)
    async with engine.begin() as conn:
        await conn.execute(insert(Hold), [
            {"kind": "opt_out", "channel": "sms", "destination": NUMBER, "debtor_ref": "D-1",
             "set_by": "inbound-sms", "source": "inbound:STOP", "reason": "回复退订",
             "created_at": at},
            {"kind": "cease", "channel": None, "destination": None, "debtor_ref": "D-1",
             "set_by": "api:c", "source": "api",
             "reason": "letter received", "created_at": at},
        ])  # fmt: skip
        await conn.execute(insert(TemplateApproval).values(
            channel="sms", locale="zh-CN", name="overdue_reminder", version="abc", approved=True,
            by="compliance:ann", at=at, reason="reviewed"))  # fmt: skip
        await conn.execute(insert(Pause).values(
            scope="all", reason="drill", paused_by="admin:ops", paused_at=at))  # fmt: skip
        await conn.execute(insert(ApiKey).values(
            name="ops-alice", role="admin", key_hash="f" * 64, prefix="dsp_ab", created_at=at,
            created_by="cli"))  # fmt: skip
        await conn.execute(insert(AuditRead).values(
            at=at, reader="compliance:bo", action="messages.list", debtor_ref="D-1",
            filters={"destination": NUMBER}, rows=3))  # fmt: skip
    await seal_pending(engine, KEY, now=START + timedelta(hours=1))
    lifted = START + timedelta(hours=2)
    async with engine.begin() as conn:  # closings, as the application writes them
        await conn.execute(update(Hold).where(Hold.id == 2).values(lifted_at=lifted,
                                                                   lifted_by="api:c"))  # fmt: skip
        await conn.execute(update(Pause).values(lifted_at=lifted, lifted_by="admin:ops"))
        await conn.execute(update(ApiKey).values(revoked_at=lifted, revoked_by="admin:ops"))
    await seal_pending(engine, KEY, now=START + timedelta(hours=3))


async def verify(engine: AsyncEngine) -> Report:
    return await verify_log(engine, KEY.public_key())


def named(report: Report) -> set[tuple[str, str]]:
    return {(finding.kind, finding.subject) for finding in report.findings}


async def test_every_kind_is_sealed_in_one_tree_and_verifies(engine: AsyncEngine) -> None:
    await given_every_kind(engine)
    report = await verify(engine)
    assert report.findings == []
    async with engine.connect() as conn:
        kinds = [kind for (kind,) in await conn.execute(
            select(AuditLeaf.kind).order_by(AuditLeaf.leaf_index))]  # fmt: skip
    assert kinds[-3:] == ["hold.lifted", "pause.lifted", "api_key.revoked"]  # the 2nd block
    assert sorted(set(kinds)) == sorted({
        "message_event", "hold", "hold.lifted", "template_approval", "pause", "pause.lifted",
        "api_key", "api_key.revoked", "audit_read"})  # fmt: skip
    assert report.entries == len(kinds) == 6 + 2 + 1 + 1 + 1 + 1 + 3


async def test_personal_fields_are_not_in_the_sealed_bytes(engine: AsyncEngine) -> None:
    await given_every_kind(engine)
    hold = kind_named("hold")
    async with engine.connect() as conn:
        row = (await conn.execute(hold.select().where(Hold.id == 1))).one()
        leaf = (await conn.execute(select(AuditLeaf.__table__).where(
            AuditLeaf.kind == "hold", AuditLeaf.event_id == 1))).one()  # fmt: skip
    sealed = entry_bytes(hold, row, entry_id=1, version=2, committed=leaf.commitment)
    assert NUMBER.encode() not in sealed and "退订".encode() not in sealed
    assert b'"kind":"hold/v2"' in sealed and leaf.commitment.hex().encode() in sealed


async def test_a_tampered_entry_of_each_table_is_named(engine: AsyncEngine) -> None:
    await given_every_kind(engine)
    await sql(engine, "UPDATE holds SET reason = 'nothing asked' WHERE id = 1")  # personal
    await sql(engine, "DELETE FROM template_approvals WHERE id = 1")
    await sql(engine, "UPDATE pauses SET lifted_at = NULL, lifted_by = NULL")  # un-lifted
    await sql(engine, "UPDATE api_keys SET role = 'compliance'")
    await sql(engine, "UPDATE audit_reads SET reader = 'compliance:someone-else'")
    await sql(  # a lift backdated into the sealed range
        engine, "UPDATE holds SET lifted_at = :at, lifted_by = 'api:x' WHERE id = 1",
        at=START + timedelta(minutes=30),
    )  # fmt: skip
    assert named(await verify(engine)) == {
        ("changed", "hold 1"), ("deleted", "template approval 1"), ("deleted", "pause lifted 1"),
        ("changed", "API key 1"), ("changed", "read 1"), ("inserted", "hold lifted 1"),
    }  # fmt: skip


async def test_an_approval_inserted_with_an_earlier_date_is_named(engine: AsyncEngine) -> None:
    await given_every_kind(engine)
    await sql(
        engine,
        "INSERT INTO template_approvals (channel, locale, name, version, approved, by, at) "
        "VALUES ('sms', 'zh-CN', 'overdue_reminder', 'forged', true, 'compliance:x', :at)",
        at=START - timedelta(hours=1),
    )  # fmt: skip
    assert named(await verify(engine)) == {("inserted", "template approval 2")}


async def test_a_risk_flag_event_is_sealed_and_its_edited_reason_named(
    engine: AsyncEngine,
) -> None:
    await set_flag(engine, "D-1", "complaint", reason="投诉催收员", actor="collector:c-17",
                   role="collector", at=START)  # fmt: skip
    await seal_pending(engine, KEY, now=START + timedelta(hours=1))
    assert (await verify(engine)).findings == []
    await sql(engine, "UPDATE risk_flag_events SET reason = 'nothing' WHERE id = 1")
    assert named(await verify(engine)) == {("changed", "risk flag event 1")}


async def test_a_payment_is_sealed_and_its_edited_amount_or_deletion_named(
    engine: AsyncEngine,
) -> None:
    # Given a payment the finance system reported, sealed
    paid = PaymentEvent(payment_id="PAY-1", debtor_ref="D-1", account_ref="A-1",
                        amount=Decimal("3250.00"), currency="CNY", paid_at=START)  # fmt: skip
    for payment_id in ("PAY-1", "PAY-2"):
        await record_payment(
            engine, dataclasses.replace(paid, payment_id=payment_id),
            reported_by="finance", now=START, attribution_window=timedelta(days=7),
        )  # fmt: skip
    await seal_pending(engine, KEY, now=START + timedelta(hours=1))
    assert (await verify(engine)).findings == []
    payment = kind_named("payment")
    async with engine.connect() as conn:
        row = (await conn.execute(payment.select().where(payment.table.c.id == 1))).one()
        leaf = (await conn.execute(select(AuditLeaf.__table__).where(
            AuditLeaf.kind == "payment", AuditLeaf.event_id == 1))).one()  # fmt: skip
    sealed = entry_bytes(payment, row, entry_id=1, version=2, committed=leaf.commitment)
    assert b"3250" not in sealed and b'"payment_id":"PAY-1"' in sealed  # the amount: committed

    # When someone lowers one amount and deletes the other
    await sql(engine, "UPDATE payments SET amount = 1 WHERE id = 1")
    await sql(engine, "DELETE FROM payments WHERE id = 2")

    # Then verify names both
    assert named(await verify(engine)) == {("changed", "payment 1"), ("deleted", "payment 2")}
