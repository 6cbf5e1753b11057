"""`dispatcher stats fold` folds a backlog at once."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.stats.log import HandLog

PAST = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


async def test_the_command_folds_every_settled_event(
    engine: AsyncEngine, database_url: str
) -> None:
    log = HandLog(engine)
    await log.setup()
    sms = await log.message(at=PAST)
    await log.attempt(sms, PAST, result="sent")
    env = {**os.environ, "DATABASE_URL": database_url}
    outputs = []
    for _ in range(2):
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dispatcher", "stats", "fold", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await command.communicate()
        assert command.returncode == 0, err.decode()
        outputs.append(out.decode().strip())
    assert outputs == ["folded 3 events up to event 3", "folded 0 events"]
