"""Send throughput with a sealer running beside the workers, and without one.

    python -m benchmarks.seal_alongside [--count 2000] [--rounds 3] [--database-url URL]

The same run as benchmarks/pipeline.py's dispatcher figures (enqueue a batch, then a
worker until idle), alternated with and without a sealer that seals every half second
(lag 1 s: far more often than the worker's cron). Sealing must not slow the send path.
Default: PostgreSQL on 127.0.0.1 (a database made for this run, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from benchmarks.pipeline import dispatcher_run
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from dispatcher.settings import Settings

KEY = Ed25519PrivateKey.generate()


async def sealer(engine: AsyncEngine, sealed: list[int]) -> None:
    while True:
        done = await seal_pending(engine, KEY, now=datetime.now(UTC), lag=timedelta(seconds=1))
        sealed.extend(c.tree_size for c in done)
        await asyncio.sleep(0.5)


async def one_round(settings: Settings, redis_url: str, count: int, *, seal: bool) -> float:
    engine = create_engine(settings.effective_database_url)
    sealed: list[int] = []
    task = asyncio.create_task(sealer(engine, sealed)) if seal else None
    try:
        _, run = await dispatcher_run(settings, redis_url, count)
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await engine.dispose()
    return run


async def main(args: argparse.Namespace) -> None:
    admin = create_async_engine(make_url(args.database_url), isolation_level="AUTOCOMMIT")
    name = f"bench_seal_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.database_url).set(database=name).render_as_string(False)
    settings = Settings.from_env(
        {}, data_dir=Path(tempfile.mkdtemp(prefix="bench-seal-")), database_url=url,
        redis_url=args.redis_url,
    )  # fmt: skip
    engine = create_engine(url)
    try:
        await upgrade(engine)
        figures: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for seal in (False, True):
                figures[seal].append(await one_round(settings, args.redis_url, args.count,
                                                     seal=seal))  # fmt: skip
        await seal_pending(engine, KEY, now=datetime.now(UTC) + timedelta(minutes=1))
        report = await verify_log(engine, KEY.public_key())
        without, with_ = (statistics.median(figures[s]) for s in (False, True))
        print(f"{args.count} messages a round, median of {args.rounds} rounds, postgresql")
        print(f"  pipeline without sealing {without:>9,.0f} /s")
        print(f"  pipeline while sealing   {with_:>9,.0f} /s  ({with_ / without:.2f}x)")
        print(f"  then verify: {report.entries} entries, {len(report.findings)} findings")
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    asyncio.run(main(parser.parse_args()))
