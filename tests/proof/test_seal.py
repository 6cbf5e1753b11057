"""Sealing: only a settled prefix is sealed, gaps are recorded, blocks chain, the key
is made once with mode 0600; and the worker's cron seals."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.proof.checkpoint import GENESIS, load_signing_key
from dispatcher.proof.seal import seal_block, seal_pending, settled_prefix
from dispatcher.proof.verify import load_checkpoints, verify_log
from dispatcher.settings import Settings
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()


def event(event_id: int, seconds: float) -> SimpleNamespace:
    return SimpleNamespace(id=event_id, at=START + timedelta(seconds=seconds))


def test_only_events_older_than_the_lag_are_sealed_and_a_young_one_stops_the_block() -> None:
    cutoff = START + timedelta(seconds=10)
    rows = [event(1, 1), event(2, 2), event(4, 3), event(5, 11), event(6, 4)]
    block = settled_prefix(rows, 0, cutoff)
    assert [row.id for row in block.rows] == [1, 2, 4]
    assert block.gaps == [3]  # event 4, older than the lag, came after it: 3 rolled back
    assert block.last_event_id == 4


def test_a_missing_id_before_young_events_is_waited_for() -> None:
    block = settled_prefix([event(1, 1), event(3, 20)], 0, START + timedelta(seconds=10))
    assert [row.id for row in block.rows] == [1]
    assert block.gaps == []


async def test_blocks_chain_and_resume_where_the_last_stopped(engine: AsyncEngine) -> None:
    await add_messages(engine, 10)  # events 1..30, one message a second
    first = await seal_block(engine, KEY, now=START + timedelta(seconds=35))
    assert first is not None
    assert (first.number, first.previous, first.last_event_id) == (
        1,
        GENESIS,
        16,
    )  # up to message 5 at exactly the cutoff
    assert await seal_block(engine, KEY, now=START + timedelta(seconds=35)) is None
    later = await seal_pending(engine, KEY, now=START + timedelta(hours=1), block=7)
    assert [c.tree_size for c in later] == [23, 30]
    assert later[0].previous == first.hash()
    async with engine.connect() as conn:
        assert len(await load_checkpoints(conn)) == 3
    assert (await verify_log(engine, KEY.public_key())).ok


def test_the_embedded_default_makes_its_key_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = load_signing_key(settings)
    path = tmp_path / "audit-signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_key(settings).public_key() == key.public_key()


def test_a_configured_key_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, audit_signing_key_file=tmp_path / "absent.key")
    try:
        load_signing_key(settings)
    except FileNotFoundError as exc:
        assert "AUDIT_SIGNING_KEY_FILE" in str(exc)
    else:
        raise AssertionError("a missing key file was accepted")
