"""The race for a debtor's last slot: 8 worker processes, real Redis and PostgreSQL.

A Massachusetts debtor may get 2 texts per debt in 7 days (us-ma). For each of 5 such
debtors, 12 texts become due at the same instant with 8 separate worker processes
polling; exactly 2 per debtor go out.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from channels.outbox import read_outbox
from dispatcher.client import DispatcherClient
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.models import Message
from dispatcher.settings import Settings
from tests.conftest import TABLES
from tests.dispatcher.conftest import reminder

WORKERS = 8
DEBTORS = 5
PER_DEBTOR = 12
MESSAGES = DEBTORS * PER_DEBTOR


def a_zone_in_daytime() -> str:
    """A time zone where it is now between 09:00 and 18:00, so hours rules allow a text."""
    now = datetime.now(UTC)
    for name in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu",
                 "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/Sao_Paulo"):  # fmt: skip
        if 9 <= now.astimezone(ZoneInfo(name)).hour < 18:
            return name
    raise AssertionError("no zone in daytime")  # pragma: no cover — the list spans the day


def test_eight_workers_racing_for_a_cap_of_two_send_exactly_two_per_debtor(
    postgres_database: str, redis_url: str, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {}, data_dir=tmp_path, database_url=postgres_database, redis_url=redis_url
    )

    async def enqueue() -> list[str]:
        client = await DispatcherClient.connect(settings, redis_url=redis_url)
        async with client:
            async with client.log.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            for d in range(DEBTORS):
                await client.log.upsert_debtor(
                    f"D-MA-{d}", country="US", region="MA", time_zone=a_zone_in_daytime()
                )
            due = datetime.now(UTC) + timedelta(seconds=6)  # every worker is polling by then
            accepted = await client.send_many(
                [
                    reminder(
                        debtor_ref=f"D-MA-{i % DEBTORS}",
                        account_ref=f"A-MA-{i % DEBTORS}",
                        idempotency_key=f"race-{i}",
                        send_after=due,
                    )
                    for i in range(MESSAGES)
                ]
            )
            return [a.message_id for a in accepted]

    ids = asyncio.run(enqueue())
    env = {**os.environ, "DATABASE_URL": postgres_database, "REDIS_URL": redis_url,
           "DISPATCHER_DATA_DIR": str(tmp_path), "SWEEP_GRACE_S": "3600",
           # eight processes on a shared server: a few connections each, not up to forty
           "DATABASE_POOL_SIZE": "2"}  # fmt: skip
    env.pop("TWILIO_ACCOUNT_SID", None)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _, err in results]
    processed = [int(out.strip().splitlines()[-1]) for out, _ in results]
    assert sum(1 for n in processed if n > 0) >= 2, processed  # the work really was shared

    async def statuses() -> dict[str, int]:
        engine = create_engine(postgres_database)
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Message.status, func.count())
                .where(Message.id.in_(ids))
                .group_by(Message.status)
            )
            counts = {status: n for status, n in rows}
        await engine.dispose()
        return counts

    counts = asyncio.run(statuses())
    assert counts.get("sent") == 2 * DEBTORS, (counts, processed, [e[-3000:] for _, e in results])
    assert set(counts) <= {"sent", "deferred", "blocked"}
    assert sum(counts.values()) == MESSAGES
    sent = read_outbox(tmp_path / "outbox.jsonl")  # the log agrees with what left
    assert len(sent) == 2 * DEBTORS


# Each worker waits for the texts to come due, runs until nothing is due, and prints how
# many jobs it ran.
_WORKER = """
import asyncio, time
from dispatcher.settings import Settings
from dispatcher.process.worker import create_worker

async def main():
    settings = Settings.from_env()
    worker = create_worker(settings, redis_url=settings.redis_url, poll_delay=0.01,
                           handle_signals=False, max_jobs=10)
    await worker.run_until_idle(horizon_s=8)
    print(worker.jobs_complete + worker.jobs_failed)

asyncio.run(main())
"""
