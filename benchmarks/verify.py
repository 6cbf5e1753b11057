"""Sealing and verifying the contact log: time and peak memory for N sealed entries.

    python -m benchmarks.verify [--count 100000] [--database-url URL] [--leaves 2|1|both]

Default: a fresh SQLite file (the embedded default). With a PostgreSQL URL, a database
named for this run is made beside it and dropped afterwards. Entries are message events
(three a message), sealed as ``message_event/v2`` leaves (personal fields as HMAC
commitments under per-debtor secrets, every sealed kind's cursor). ``--leaves both``
measures, in the same run and on a fresh log each, the format before migration 0012
(``v1``: the row as it is, message events only) as the baseline, then ``v2``. Peak memory
is the process's maximum resident set (getrusage), read after each step: it only grows,
so each figure includes the steps before it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.proof import seal
from dispatcher.proof.kinds import MESSAGE_EVENT
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


async def measure(engine: AsyncEngine, count: int, leaves: int) -> None:
    await upgrade(engine)
    messages = count // 3
    key = Ed25519PrivateKey.generate()
    print(f"{messages * 3} entries ({messages} messages), {engine.dialect.name}, "
          f"leaves v{leaves}; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    if leaves == 1:  # as sealed before migration 0012
        with patched(seal, VERSION=1, KINDS=[MESSAGE_EVENT]):
            await steps(engine, messages, key)
    else:
        await steps(engine, messages, key)


@contextlib.contextmanager
def patched(module: object, **values: object) -> Iterator[None]:
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


async def steps(engine: AsyncEngine, messages: int, key: Ed25519PrivateKey) -> None:
    await step("fill the log", add_messages(engine, messages, batch=5000))
    later = START + timedelta(seconds=messages + 3600)
    sealed = await step("seal (10,000 a block)", seal_pending(engine, key, now=later,
                                                              max_blocks=10**6))  # fmt: skip
    print(f"{'':<28} {len(sealed)} checkpoints")  # type: ignore[arg-type]
    report = await step("verify", verify_log(engine, key.public_key()))
    print(f"{'':<28} {report.entries} entries, {len(report.findings)} findings")  # type: ignore[attr-defined]
    await step("prove one message", prove_message(engine, f"M{messages // 2:025d}"))


async def main(count: int, database_url: str | None, leaves: str) -> None:
    for version in (1, 2) if leaves == "both" else (int(leaves),):
        await one_log(count, database_url, version)


async def one_log(count: int, database_url: str | None, leaves: int) -> None:
    if database_url is None:
        with tempfile.TemporaryDirectory() as directory:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite'}")
            try:
                await measure(engine, count, leaves)
            finally:
                await engine.dispose()
        return
    admin = create_async_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    name = f"bench_verify_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(database_url).set(database=name).render_as_string(False))
    try:
        await measure(engine, count, leaves)
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="entries to seal and verify")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--leaves", choices=("1", "2", "both"), default="2",
                        help="the leaf format (both: v1 as the baseline, then v2)")  # fmt: skip
    args = parser.parse_args()
    asyncio.run(main(args.count, args.database_url, args.leaves))
