"""Seal a contact log, tamper with it through raw SQL as an insider would, and see
`verify` name each change. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import UTCDateTime
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import Report, load_checkpoints, verify_log
from tests.proof.insider import sql
from tests.proof.logdata import START, add_messages

MESSAGES = 12  # 36 events
LATER = START + timedelta(hours=1)  # every event is settled by then
KEY = Ed25519PrivateKey.generate()


async def seal(engine: AsyncEngine, key: Ed25519PrivateKey = KEY) -> None:
    await seal_pending(engine, key, now=LATER, block=10)


async def verify(engine: AsyncEngine, **options: Any) -> Report:
    return await verify_log(engine, KEY.public_key(), **options)


def message(n: int) -> str:
    return f"M{n:025d}"


def named(report: Report) -> set[tuple[str, str]]:
    return {(finding.kind, finding.subject) for finding in report.findings}


@pytest.fixture
async def sealed(engine: AsyncEngine) -> AsyncEngine:
    await add_messages(engine, MESSAGES)
    await seal(engine)
    return engine


async def test_an_untampered_log_verifies(sealed: AsyncEngine) -> None:
    report = await verify(sealed)
    assert report.findings == []
    assert (report.checkpoints, report.entries, report.events) == (4, 36, 36)


async def test_an_edited_event_is_named(sealed: AsyncEngine) -> None:
    await sql(
        sealed, """UPDATE message_events SET detail = '{"step": 1, "note": "篡改"}' WHERE id = 5"""
    )
    assert named(await verify(sealed)) == {("changed", "event 5")}


async def test_a_deleted_event_is_named(sealed: AsyncEngine) -> None:
    await sql(sealed, "DELETE FROM message_events WHERE id = 7")
    assert named(await verify(sealed)) == {("deleted", "event 7")}


async def test_a_backdated_forged_event_is_named(sealed: AsyncEngine) -> None:
    await sql(
        sealed,
        "INSERT INTO message_events (message_id, at, source, status, detail) "
        """VALUES (:message, :at, 'worker', 'sent', '{"forged": true}')""",
        message=message(0), at=START - timedelta(minutes=5),
    )  # fmt: skip
    assert named(await verify(sealed)) == {("inserted", "event 37")}


async def test_an_event_forged_into_a_gap_is_named(engine: AsyncEngine) -> None:
    await add_messages(engine, 3)
    await sql(engine, "DELETE FROM message_events WHERE id = 4")  # as if rolled back
    await seal(engine)
    checkpoints = await _checkpoints(engine)
    assert checkpoints[0].gaps == (4,)
    assert (await verify(engine)).findings == []
    await sql(
        engine,
        "INSERT INTO message_events (id, message_id, at, source, status, detail) "
        "VALUES (4, :message, :at, 'worker', 'queued', '{}')",
        message=message(1), at=START + timedelta(seconds=1),
    )  # fmt: skip
    assert named(await verify(engine)) == {("inserted", "event 4")}


async def test_swapped_events_are_named_reordered(sealed: AsyncEngine) -> None:
    await _swap(sealed, 10, 11)
    found = named(await verify(sealed))
    assert {("reordered", "event 10"), ("reordered", "event 11")} <= found
    assert not any(kind == "changed" for kind, _ in found)


async def test_a_chain_re_signed_with_another_key_is_named(
    sealed: AsyncEngine, tmp_path: Any
) -> None:
    witness = await _checkpoints(sealed)
    await sql(sealed, """UPDATE message_events SET detail = '{"step": 1}' WHERE id = 5""")
    await sql(sealed, "DELETE FROM audit_checkpoints")
    await sql(sealed, "DELETE FROM audit_leaves")
    forger = Ed25519PrivateKey.generate()
    await seal(sealed, forger)

    by_our_key = await verify(sealed)
    assert {("signature", f"checkpoint {n}") for n in range(1, 5)} <= named(by_our_key)

    by_their_key = await verify_log(sealed, forger.public_key(), witness=witness)
    assert {("witness", f"checkpoint {n}") for n in range(1, 5)} == named(by_their_key)


async def test_a_truncated_tail_is_named(sealed: AsyncEngine) -> None:
    await sql(sealed, "DELETE FROM message_events WHERE id > 33")
    assert named(await verify(sealed)) == {
        ("deleted", "event 34"), ("deleted", "event 35"), ("deleted", "event 36"),
        ("status", f"message {message(11)}"),  # its row is left without events
    }  # fmt: skip


async def test_a_tail_cut_with_its_seals_is_named_by_the_witness(sealed: AsyncEngine) -> None:
    witness = await _checkpoints(sealed)
    await sql(sealed, "DELETE FROM message_events WHERE id > 30")
    await sql(sealed, "DELETE FROM audit_leaves WHERE leaf_index >= 30")
    await sql(sealed, "DELETE FROM audit_checkpoints WHERE number = 4")
    await sql(sealed, "DELETE FROM messages WHERE id IN (:a, :b)", a=message(10), b=message(11))
    assert (await verify(sealed)).findings == []  # consistent in itself: only a witness tells
    assert named(await verify(sealed, witness=witness)) == {("truncated", "checkpoint 4")}


async def test_a_message_row_that_disagrees_with_its_events_is_named(sealed: AsyncEngine) -> None:
    await sql(sealed, "UPDATE messages SET status = 'delivered' WHERE id = :m", m=message(3))
    assert named(await verify(sealed)) == {("status", f"message {message(3)}")}


async def test_a_rewritten_leaf_table_is_named_by_the_signed_root(sealed: AsyncEngine) -> None:
    await sql(sealed, """UPDATE message_events SET detail = '{"x": 1}' WHERE id = 25""")
    await sql(sealed, "UPDATE audit_leaves SET leaf_hash = :h WHERE event_id = 25", h=b"\x07" * 32)
    assert named(await verify(sealed)) == {("root", "checkpoint 3"), ("changed", "event 25")}


async def _checkpoints(engine: AsyncEngine) -> Any:
    async with engine.connect() as conn:
        return await load_checkpoints(conn)


async def _swap(engine: AsyncEngine, a: int, b: int) -> None:
    async with engine.connect() as conn:
        rows = {
            row.id: row
            for row in await conn.execute(
                text("SELECT id, message_id, at, source, status, detail FROM message_events "
                     "WHERE id IN (:a, :b)").columns(at=UTCDateTime()),
                {"a": a, "b": b},
            )
        }  # fmt: skip
    for target, source in ((a, rows[b]), (b, rows[a])):
        detail = source.detail if isinstance(source.detail, str) else _json(source.detail)
        await sql(
            engine,
            "UPDATE message_events SET message_id = :m, at = :at, source = :s, status = :st, "
            "detail = :d WHERE id = :id",
            m=source.message_id, at=source.at, s=source.source, st=source.status, d=detail,
            id=target,
        )  # fmt: skip


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def test_a_checkpoint_taken_out_of_the_chain_is_named(sealed: AsyncEngine) -> None:
    await sql(sealed, "DELETE FROM audit_checkpoints WHERE number = 2")
    found = [(f.kind, f.subject, f.text) for f in (await verify(sealed)).findings]
    assert [(kind, subject) for kind, subject, _ in found] == [
        ("chain", "checkpoint 3"), ("chain", "checkpoint 3"), ("chain", "checkpoint 4"),
    ]  # fmt: skip
    assert "numbered 3 where 2 was due" in found[0][2]
