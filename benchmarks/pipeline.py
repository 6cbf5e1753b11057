"""Throughput of enqueue and of the pipeline, beside bare arq measured in the same run.

    python -m benchmarks.pipeline [--count 2000] [--database-url URL] [--redis-url URL]

Defaults: PostgreSQL and Redis on 127.0.0.1 (as in CI). SMS go to the local outbox, so
the figures are the dispatcher's own cost: contact log, compliance gate, rendering, queue.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from arq import Worker, create_pool
from arq.connections import RedisSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dispatcher.client import DispatcherClient
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.requests import MessageRequest
from dispatcher.settings import Settings
from dispatcher.worker import create_worker


async def noop(ctx: dict[str, Any], message_id: str) -> None:
    return None


def requests(count: int, run: str) -> list[MessageRequest]:
    return [
        MessageRequest(
            channel="sms", template="overdue_reminder", locale="zh-CN",
            destination="+86 138 0013 8000", debtor_ref=f"D-{i}", account_ref=f"A-{i}",
            idempotency_key=f"{run}:{i}",
            variables={"company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00",
                       "currency": "CNY", "due_date": "2026-11-15", "days_overdue": 12,
                       "contact_phone": "400-820-1234"},
        )
        for i in range(count)
    ]  # fmt: skip


async def bare_arq(redis_url: str, count: int) -> tuple[float, float]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    await pool.flushdb()
    started = time.perf_counter()
    for i in range(count):
        await pool.enqueue_job("noop", str(i))
    enqueue_s = time.perf_counter() - started
    worker = Worker(
        functions=[noop], redis_settings=RedisSettings.from_dsn(redis_url), burst=True,
        poll_delay=0.005, handle_signals=False, keep_result=0, max_jobs=50,
    )  # fmt: skip
    started = time.perf_counter()
    await worker.main()
    work_s = time.perf_counter() - started
    await worker.close()
    await pool.aclose()
    return count / enqueue_s, count / work_s


async def dispatcher_run(settings: Settings, redis_url: str, count: int) -> tuple[float, float]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    await pool.flushdb()
    await pool.aclose()
    client = await DispatcherClient.connect(settings, redis_url=redis_url)
    async with client:
        batch = requests(count, f"bench-{time.time()}")
        started = time.perf_counter()
        await client.send_many(batch)
        enqueue_s = time.perf_counter() - started
        worker = create_worker(
            settings, redis_url=redis_url, poll_delay=0.005, handle_signals=False
        )
        started = time.perf_counter()
        await worker.run_until_idle()
        work_s = time.perf_counter() - started
    return count / enqueue_s, count / work_s


async def fresh_postgres(admin_url: str) -> str:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP DATABASE IF EXISTS dispatcher_bench WITH (FORCE)"))
        await conn.execute(text("CREATE DATABASE dispatcher_bench"))
    await engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/dispatcher_bench"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    database_url = args.database_url
    if database_url.startswith("postgresql"):
        database_url = await fresh_postgres(database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="dispatcher-bench-"))
    settings = Settings.from_env(
        {}, data_dir=data_dir, database_url=database_url, redis_url=args.redis_url
    )
    engine = create_engine(settings.effective_database_url)
    await upgrade(engine)
    await engine.dispose()

    figures: dict[str, list[float]] = {k: [] for k in ("arq_enq", "arq_run", "enq", "run")}
    for _ in range(args.rounds):
        arq_enq, arq_run = await bare_arq(args.redis_url, args.count)
        enq, run = await dispatcher_run(settings, args.redis_url, args.count)
        for key, value in zip(figures, (arq_enq, arq_run, enq, run), strict=True):
            figures[key].append(value)

    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"{args.count} messages, median of {args.rounds} rounds, {database_url.split(':')[0]}")
    print(f"  enqueue   bare arq (one enqueue_job per message) {med['arq_enq']:>9,.0f} /s")
    print(
        f"            dispatcher send_many (validate, render, log, queue) {med['enq']:>9,.0f} /s"
        f"  ({med['enq'] / med['arq_enq']:.2f}x bare arq)"
    )
    print(f"  process   bare arq no-op job                     {med['arq_run']:>9,.0f} /s")
    print(
        f"            dispatcher pipeline (outbox channel)   {med['run']:>9,.0f} /s"
        f"  ({med['run'] / med['arq_run']:.2f}x bare arq)"
    )


if __name__ == "__main__":
    asyncio.run(main())
