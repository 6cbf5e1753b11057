"""`dispatcher audit ...` end to end (as from a shell), and the stand-alone verifier run
on what `prove` prints."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.proof.insider import sql
from tests.proof.logdata import add_messages

MESSAGE = f"M{2:025d}"


@pytest.fixture
async def shell_env(engine: AsyncEngine, database_url: str, tmp_path: Path) -> dict[str, str]:
    await add_messages(engine, 5)
    return {**os.environ, "DATABASE_URL": database_url, "DISPATCHER_DATA_DIR": str(tmp_path)}


async def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", *args], env=env, cwd=env["DISPATCHER_DATA_DIR"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def audit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await run(env, "dispatcher", "audit", *args)


async def test_seal_verify_prove_and_check_the_proof_alone(
    shell_env: dict[str, str], tmp_path: Path
) -> None:
    assert (await audit(shell_env, "seal")).returncode == 0
    verified = await audit(shell_env, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK: 1 checkpoints, 15 sealed entries")

    (tmp_path / "key.pem").write_text((await audit(shell_env, "public-key")).stdout)
    proved = await audit(shell_env, "prove", MESSAGE)
    assert proved.returncode == 0, proved.stderr
    (tmp_path / "proof.json").write_text(proved.stdout)
    assert [e["event_id"] for e in json.loads(proved.stdout)["entries"]] == [7, 8, 9]
    checked = await run(shell_env, "dispatcher.proof.verify_proof", "proof.json", "key.pem")
    assert checked.returncode == 0, checked.stdout
    assert "proven: event 8 at leaf 7" in checked.stdout

    forged = json.loads(proved.stdout)
    entry = forged["entries"][1]
    entry["leaf_data"] = entry["leaf_data"].replace("sending", "sent")
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    checked = await run(shell_env, "dispatcher.proof.verify_proof", "forged.json", "key.pem")
    assert checked.returncode == 1
    assert "FAILED event 8: not in the tree" in checked.stdout


async def test_verify_with_a_witness_names_the_edit(
    shell_env: dict[str, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    await audit(shell_env, "seal")
    assert (await audit(shell_env, "export-checkpoints", "witness.jsonl")).returncode == 0
    await sql(engine, """UPDATE message_events SET detail = '{"a": 1}' WHERE id = 2""")
    verified = await audit(shell_env, "verify", "--witness", "witness.jsonl")
    assert verified.returncode == 1
    assert "changed: event 2: " in verified.stdout
    assert verified.stdout.splitlines()[-1].startswith("FAILED:")


async def test_prove_before_any_seal_says_so(shell_env: dict[str, str]) -> None:
    proved = await audit(shell_env, "prove", MESSAGE)
    assert proved.returncode == 2
    assert "run `dispatcher audit seal` first" in proved.stderr


async def test_a_consistency_proof_is_checked_with_the_public_key_alone(
    shell_env: dict[str, str], engine: AsyncEngine, tmp_path: Path
) -> None:
    assert (await audit(shell_env, "seal")).returncode == 0  # 15 entries
    await add_messages(engine, 2, first=5)
    assert (await audit(shell_env, "seal")).returncode == 0  # 21 entries
    (tmp_path / "key.pem").write_text((await audit(shell_env, "public-key")).stdout)

    proved = await audit(shell_env, "consistency", "15", "21")
    assert proved.returncode == 0, proved.stderr
    (tmp_path / "consistency.json").write_text(proved.stdout)
    checked = await run(shell_env, "dispatcher.proof.verify_proof", "consistency.json", "key.pem")
    assert checked.returncode == 0, checked.stdout
    assert "checkpoint 2 (size 21) extends checkpoint 1 (size 15)" in checked.stdout

    forged = json.loads(proved.stdout)
    forged["proof"][0] = "00" * 32
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    checked = await run(shell_env, "dispatcher.proof.verify_proof", "forged.json", "key.pem")
    assert checked.returncode == 1
    assert "FAILED checkpoint 2 does not extend checkpoint 1" in checked.stdout

    unknown = await audit(shell_env, "consistency", "15", "16")
    assert unknown.returncode == 2 and "no checkpoint seals exactly 16 entries" in unknown.stderr
