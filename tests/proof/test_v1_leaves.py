"""Leaves and checkpoints sealed before migration 0012 (``message_event/v1``, personal data
inside; checkpoint v1) still verify beside the v2 ones sealed after; an edit of an old
event is still named; retention keeps what a v1 leaf holds, and says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import AuditLeaf
from dispatcher.proof import seal
from dispatcher.proof.kinds import MESSAGE_EVENT
from dispatcher.proof.verify import load_checkpoints, verify_log
from dispatcher.retention.erase import erase_debtor
from tests.proof.insider import sql
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()


async def given_old_and_new_leaves(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    await add_messages(engine, 2)  # events 1..6, sealed as before migration 0012
    with monkeypatch.context() as old:
        old.setattr(seal, "VERSION", 1)
        old.setattr(seal, "KINDS", [MESSAGE_EVENT])
        await seal.seal_pending(engine, KEY, now=START + timedelta(hours=1))
    await add_messages(engine, 2, first=2)  # events 7..12, sealed now
    await seal.seal_pending(engine, KEY, now=START + timedelta(hours=1))


async def test_v1_and_v2_leaves_verify_side_by_side(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_old_and_new_leaves(engine, monkeypatch)
    async with engine.connect() as conn:
        checkpoints = await load_checkpoints(conn)
        versions = [v for (v,) in await conn.execute(
            select(AuditLeaf.version).order_by(AuditLeaf.leaf_index))]  # fmt: skip
    assert checkpoints[0].body().startswith(b"dispatcher contact log checkpoint v1\n")
    assert checkpoints[1].body().startswith(b"dispatcher contact log checkpoint v2\n")
    assert versions == [1] * 6 + [2] * 6
    assert (await verify_log(engine, KEY.public_key())).findings == []

    await sql(engine, """UPDATE message_events SET detail = '{"step": 9}' WHERE id = 2""")
    found = {(f.kind, f.subject) for f in (await verify_log(engine, KEY.public_key())).findings}
    assert found == {("changed", "event 2")}


async def test_retention_keeps_the_detail_a_v1_leaf_holds(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await given_old_and_new_leaves(engine, monkeypatch)
    async with engine.begin() as conn:
        rows = await erase_debtor(conn, "D-1", now=START + timedelta(days=2000))
    assert (rows["message_events"], rows["message_events_kept_v1"]) == (0, 3)
    async with engine.begin() as conn:
        rows = await erase_debtor(conn, "D-3", now=START + timedelta(days=2000))
    assert (rows["message_events"], rows["message_events_kept_v1"]) == (3, 0)
    assert (await verify_log(engine, KEY.public_key())).findings == []
