"""Sealing and verifying the contact log: time and peak memory for N sealed entries.

    python -m benchmarks.verify [--count 100000] [--database-url URL]

Default: a fresh SQLite file (the embedded default). With a PostgreSQL URL, a database
named for this run is made beside it and dropped afterwards. Entries are message events
(three a message). Peak memory is the process's maximum resident set (getrusage), read
after each step: it only grows, so each figure includes the steps before it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.proof.prove import prove_message
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from tests.proof.logdata import START, add_messages


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def step(name: str, work: object) -> object:
    began = time.perf_counter()
    result = await work  # type: ignore[misc]
    print(f"{name:<28} {time.perf_counter() - began:8.2f} s   peak RSS {peak_mb():7.0f} MB")
    return result


async def measure(engine: AsyncEngine, count: int) -> None:
    await upgrade(engine)
    messages = count // 3
    key = Ed25519PrivateKey.generate()
    print(f"{messages * 3} entries ({messages} messages), {engine.dialect.name}")
    await step("fill the log", add_messages(engine, messages, batch=5000))
    later = START + timedelta(seconds=messages + 3600)
    sealed = await step("seal (10,000 a block)", seal_pending(engine, key, now=later,
                                                              max_blocks=10**6))  # fmt: skip
    print(f"{'':<28} {len(sealed)} checkpoints")  # type: ignore[arg-type]
    report = await step("verify", verify_log(engine, key.public_key()))
    print(f"{'':<28} {report.entries} entries, {len(report.findings)} findings")  # type: ignore[attr-defined]
    await step("prove one message", prove_message(engine, f"M{messages // 2:025d}"))


async def main(count: int, database_url: str | None) -> None:
    if database_url is None:
        with tempfile.TemporaryDirectory() as directory:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite'}")
            try:
                await measure(engine, count)
            finally:
                await engine.dispose()
        return
    admin = create_async_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    name = f"bench_verify_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(database_url).set(database=name).render_as_string(False))
    try:
        await measure(engine, count)
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="entries to seal and verify")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.database_url))
