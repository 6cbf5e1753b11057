"""`dispatcher keys create`: the secret is printed once, and it opens the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import SystemClock
from dispatcher.contactlog.keys import ApiKeyStore, Role


def keys_create(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DISPATCHER_DATA_DIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "dispatcher", "keys", "create", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_key_created_on_the_command_line_works_once_shown(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with engine.begin() as conn:  # the PostgreSQL database is shared by the session
        if conn.dialect.name == "postgresql":  # api_keys are append-only (migration 0012)
            await conn.exec_driver_sql("SET LOCAL dispatcher.erasing = 'on'")
        await conn.exec_driver_sql("DELETE FROM api_keys")
    done = keys_create(
        "--role", "compliance", "--name", "bo-7", database_url=database_url, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip()
    assert secret.startswith("dsp_") and "shown once" in done.stderr

    key = await ApiKeyStore(engine, SystemClock()).verify(secret)
    assert key is not None and (key.name, key.role) == ("bo-7", Role.COMPLIANCE)

    again = keys_create(
        "--role", "admin", "--name", "bo-7", database_url=database_url, cwd=tmp_path
    )
    assert again.returncode == 2 and "exists already" in again.stderr
