"""Verdict latency on the send path as the worker runs it on PostgreSQL (raw asyncpg,
``sending.postgres``), beside the SQLAlchemy session (``benchmarks.compliance``) and the
floor, in the same run, at 10,000 and 1,000,000 contact-log rows. Its database is named for
the run and dropped at the end.

    python -m benchmarks.bench_verdict [--database-url URL] [--samples 2000] [--sizes 10000,1000000]

Each sample is ``benchmarks.compliance``'s: the debtor's lock, the debtor and the message,
the whole gate (holds, hours, caps, content), the claim — rolled back, so the log stays
the same size. The raw path's PostgreSQL round trips per sample are counted at the driver
as ``benchmarks.pipeline`` counts them (the ROLLBACK standing for the worker's COMMIT), and
its CPU is read from /proc for this process and for the database's backends. Beside it,
what the machine alone does to a latency: the same four round trips with nothing in them,
on asyncpg; and a fixed piece of pure CPU work, about as long as a verdict, timed as often
(no I/O, no allocation: its spread is the machine's scheduling, which every p99 here has).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks import compliance
from benchmarks.bench_setup import backends_cpu
from benchmarks.bench_worker import COUNTS, count_round_trips
from compliance import ComplianceGate
from dispatcher.clock import FrozenClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, MessageStatus
from dispatcher.process.deps import default_rules
from dispatcher.sending.pipeline import render_message, subject_for
from dispatcher.sending.postgres.log import PostgresSendingLog
from dispatcher.sending.postgres.pool import driver_dsn
from dispatcher.settings import Settings
from templates import TemplateCatalog


@dataclass(frozen=True)
class RawCost:
    """Per sample: PostgreSQL round trips, this process's CPU (the client's side) and the
    database's backends' (the server's)."""

    round_trips: float
    cpu_ms: float
    server_cpu_ms: float


async def backends_cpu_of(url: str) -> dict[int, float]:
    """``backends_cpu`` of the run's database, on a connection of its own."""
    conn = await asyncpg.connect(driver_dsn(url))
    try:
        return await backends_cpu(conn)
    finally:
        await conn.close()


class _Rollback(Exception):
    """Ends a sample's transaction without committing its claim."""


async def sample_raw(
    url: str, samples: int, *, channel: str = "sms"
) -> tuple[list[float], RawCost]:
    """Each sample's time, and what a sample costs besides."""
    engine = create_engine(url)
    log = ContactLog(engine, FrozenClock(compliance.NOW))
    raw = PostgresSendingLog(log, FrozenClock(compliance.NOW), url=url, max_size=2)
    settings = Settings.from_env({}, database_url=url)
    gate = ComplianceGate(default_rules(settings))
    # The message and debtor as benchmarks.compliance queued them (one SQLAlchemy sample).
    await compliance.sample_verdicts(engine, 1, channel=channel)
    message = await raw.get("bench-message")
    render = render_message(TemplateCatalog(), message)
    assert render.rendered is not None
    timings = []
    server_before = await backends_cpu_of(url)
    counted_before, cpu_before = COUNTS["postgres"], time.process_time()
    for _ in range(samples):
        started = time.perf_counter()
        try:
            async with raw.debtor_session("D-7", message_id=message.id) as window:
                current = await window.message(message.id)
                assert current is not None and current.status in PENDING
                verdict = await gate.evaluate(
                    subject_for(current, render, window, window.debtor, now=compliance.NOW)
                )
                assert verdict.decision.value == "allow", verdict.to_json()
                claimed = await window.move(
                    current.id, expect=PENDING, to=MessageStatus.SENDING, at=compliance.NOW,
                    detail={"attempt": 1, "template_version": render.rendered.version},
                    content=render.rendered.body, template_version=render.rendered.version,
                    verdict=verdict.to_json(), attempts=1, attempted_at=compliance.NOW,
                )  # fmt: skip
                assert claimed
                raise _Rollback
        except _Rollback:
            pass
        timings.append(time.perf_counter() - started)
    cpu_after = time.process_time()
    server = sum(
        used - server_before.get(pid, 0.0) for pid, used in (await backends_cpu_of(url)).items()
    )
    per_sample = RawCost(
        (COUNTS["postgres"] - counted_before) / samples,
        (cpu_after - cpu_before) * 1000 / samples,
        server * 1000 / samples,
    )
    await raw.aclose()
    for rule in gate.rules:  # the pause rule keeps a connection of its own
        closer = getattr(rule, "aclose", None)
        if closer is not None:
            await closer()
    await engine.dispose()
    return timings, per_sample


async def sample_raw_floor(url: str, samples: int) -> list[float]:
    """The raw path's four round trips with nothing in them: BEGIN, two prepared
    statements (where the read and the claim go), ROLLBACK — on asyncpg, as the worker's."""
    conn = await asyncpg.connect(driver_dsn(url))
    try:
        nothing = await conn.prepare("SELECT 1")
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            await conn.execute("BEGIN")
            await nothing.fetchval()
            await nothing.fetchval()
            await conn.execute("ROLLBACK")
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        await conn.close()


def machine_jitter(samples: int, *, work_ms: float) -> list[float]:
    """Timings of the same pure CPU work (about ``work_ms`` long), done ``samples`` times."""
    trial = 20_000
    per_loop = statistics.median(_timed(trial) for _ in range(21)) / trial
    loops = max(1, round(work_ms / 1000 / per_loop))
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        _busy(loops)
        timings.append(time.perf_counter() - started)
    return timings


def _timed(loops: int) -> float:
    started = time.perf_counter()
    _busy(loops)
    return time.perf_counter() - started


def _busy(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i * i
    return total


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--sizes", default="10000,1000000")
    args = parser.parse_args()
    count_round_trips()
    name = f"dispatcher_bench_verdict_{uuid.uuid4().hex[:10]}"
    url = await compliance.fresh_database(args.database_url, name)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        measured: dict[int, Any] = {}
        for size in (int(s) for s in args.sizes.split(",")):
            await compliance.grow_log(engine, size)
            await compliance.add_calls(engine)
            print(f"contact log with {size:,} rows")
            await sample_raw(url, 200)  # warm up: prepared statements
            compliance.summary("floor: BEGIN; SELECT 1; COMMIT",
                               await compliance.sample_floor(engine, args.samples))  # fmt: skip
            compliance.summary("raw floor: its 4 round trips, empty",
                               await sample_raw_floor(url, args.samples))  # fmt: skip
            compliance.summary("SQLAlchemy session: lock, rules, claim",
                               await compliance.sample_verdicts(engine, args.samples))  # fmt: skip
            timings, cost = await sample_raw(url, args.samples)
            measured[size] = compliance.summary("raw asyncpg (the worker's path)", timings)
            print(f"  raw path per verdict: {cost.round_trips:.2f} PostgreSQL round trips, "
                  f"CPU {cost.cpu_ms:.2f} ms in this process + {cost.server_cpu_ms:.2f} ms "
                  "in PostgreSQL")  # fmt: skip
            work_ms = statistics.median(timings) * 1000
            fixed = compliance.summary("machine: the same pure CPU work, repeated",
                                       machine_jitter(args.samples, work_ms=work_ms))  # fmt: skip
            print(f"  p99 / p50: the verdict {measured[size][1] / measured[size][0]:.2f}, "
                  f"the fixed work {fixed[1] / fixed[0]:.2f}")  # fmt: skip
        sizes = sorted(measured)
        if len(sizes) > 1:
            small, large = measured[sizes[0]], measured[sizes[-1]]
            print(f"raw path, {sizes[-1]:,} / {sizes[0]:,} rows: p50 {large[0] / small[0]:.2f}, "
                  f"p99 {large[1] / small[1]:.2f}")  # fmt: skip
    finally:
        await engine.dispose()
        admin = create_async_engine(args.database_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            # FORCE: the run's own database (benchmarks.compliance leaves its gate's pause
            # reader connected); nobody else's connections are in it.
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
