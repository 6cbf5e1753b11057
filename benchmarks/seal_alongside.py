"""Send throughput with a sealer running beside the workers, and without one.

    python -m benchmarks.seal_alongside [--count 2000] [--rounds 3] [--log-rows 100000]
        [--postgres-url URL]

The dispatcher side of benchmarks/pipeline.py (the real gate over a seeded log, to the
outbox, one worker process; the rate read between 10% and 90% of the backlog, then the
paced claim delay), round after round alternating without and with a sealer in its own
process sealing every half second with a 1 s lag — far more often than the worker's
cron — on the same pinned clock as the messages. Everything is the run's own
(bench_setup: a database dropped after, a private redis-server). Afterwards everything
is sealed and verified: every append of every kind, each personal field as a commitment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks.bench_setup import (
    PIN,
    drop_database,
    fresh_database,
    pinned_clock,
    private_redis,
    seed_log,
    start_fake_twilio,
)  # fmt: skip
from benchmarks.pipeline import Figures, Run, measure
from dispatcher.contactlog.database import create_engine
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log


def read_key(key_file: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


async def sealer_loop(database_url: str, key: Ed25519PrivateKey, anchor: float) -> None:
    """The sealer process: seal every half second on the benchmark's pinned clock."""
    engine = create_engine(database_url)
    clock = pinned_clock(PIN, anchor)
    print("ready", flush=True)
    try:
        while True:
            await seal_pending(engine, key, now=clock.now(), lag=timedelta(seconds=1))
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


def start_sealer(run: Run, key_file: Path) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "benchmarks.seal_alongside", "--sealer", run.database_url,
            "--key-file", str(key_file), "--anchor", str(run.anchor)]  # fmt: skip
    popen = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert popen.stdout is not None
    if popen.stdout.readline().strip() != "ready":
        raise RuntimeError("the sealer did not start")
    return popen


async def bench(args: argparse.Namespace) -> None:
    run_id = uuid.uuid4().hex[:10]
    work_dir = Path(tempfile.mkdtemp(prefix=f"dispatcher-bench-seal-{run_id}-"))
    os.environ["BENCH_DATA_DIR"] = str(work_dir)
    key = Ed25519PrivateKey.generate()
    key_file = work_dir / "audit-signing.key"
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip
    debtors = max(args.log_rows // 10, 2 * args.rounds * (args.count + 400) + 1)
    database_url = await fresh_database(args.postgres_url, run_id)
    redis, twilio = private_redis(work_dir), start_fake_twilio()
    try:
        await seed_log(database_url, rows=args.log_rows, debtors=debtors, pin=PIN)
        run = Run(args.postgres_url, database_url, redis, twilio, time.time(), work_dir,
                  debtors=debtors)  # fmt: skip
        figures: dict[bool, list[Figures]] = {False: [], True: []}
        for _ in range(args.rounds):
            for seal in (False, True):
                sealer = start_sealer(run, key_file) if seal else None
                try:
                    figures[seal].append(
                        await measure(run, "dispatcher", "outbox", 1, False, args.count)
                    )
                    done = figures[seal][-1]
                    print(f"  round: {'while sealing' if seal else 'without sealing':<16}"
                          f"{done.rate:>8,.0f} msg/s, worker CPU {done.cpu_ms['worker']:.2f} "
                          f"ms/msg; load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
                finally:
                    if sealer is not None:
                        sealer.terminate()
                        sealer.wait(30)
        await report(run, key, figures, args)
    finally:
        twilio.stop()
        redis.stop()
        await drop_database(args.postgres_url, database_url)
        shutil.rmtree(work_dir, ignore_errors=True)  # its data: a signing key, logs


async def report(
    run: Run, key: Ed25519PrivateKey, figures: dict[bool, list[Figures]],
    args: argparse.Namespace,
) -> None:  # fmt: skip
    engine = create_engine(run.database_url)
    try:
        later = pinned_clock(PIN, run.anchor).now() + timedelta(minutes=5)
        await seal_pending(engine, key, now=later, max_blocks=10**6)
        verified = await verify_log(engine, key.public_key())
    finally:
        await engine.dispose()
    without, with_ = (statistics.median(f.rate for f in figures[s]) for s in (False, True))
    delays = {s: statistics.median(f.delay_ms[1] for f in figures[s]) for s in (False, True)}
    cpu = {
        s: {k: statistics.median(f.cpu_ms[k] for f in figures[s]) for k in ("worker", "postgres")}
        for s in (False, True)
    }
    print(f"{args.count} messages a round, median of {args.rounds} rounds, 1 worker process, "
          f"postgresql, log of {args.log_rows:,} rows; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"  pipeline without sealing {without:>9,.0f} msg/s   claim delay p99 "
          f"{delays[False]:.1f} ms")  # fmt: skip
    print(f"  pipeline while sealing   {with_:>9,.0f} msg/s   claim delay p99 "
          f"{delays[True]:.1f} ms   ({with_ / without:.2f}x)")  # fmt: skip
    for seal, label in ((False, "without sealing"), (True, "while sealing")):
        print(f"  CPU ms per message {label:<16} worker {cpu[seal]['worker']:.2f}  "
              f"postgres {cpu[seal]['postgres']:.2f}")  # fmt: skip
    kinds = Counter(finding.kind for finding in verified.findings)
    print(f"  then verify: {verified.entries} entries, findings by kind {dict(kinds)} (the "
          f"seeded log's {args.log_rows:,} messages have no events: 'status' each)")  # fmt: skip
    for problems in (f.problems for runs in figures.values() for f in runs):
        for problem in problems:
            print(f"  !! {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--log-rows", type=int, default=100_000)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--sealer", help=argparse.SUPPRESS)  # the sealer process
    parser.add_argument("--key-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--anchor", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sealer:
        asyncio.run(sealer_loop(args.sealer, read_key(args.key_file), args.anchor))
    else:
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
