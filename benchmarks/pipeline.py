"""The send path beside bare arq, measured in the same run, in the steady state.

    python -m benchmarks.pipeline [--count 2000] [--rounds 3] [--workers 1,2]
        [--modes outbox,twilio] [--uvloop off|on|both] [--log-rows 1000000]
        [--postgres-url URL]

For each worker count (processes) and loop: bare arq runs a no-op job, the dispatcher
runs its pipeline with the real gate (packs cn + org: the caps count a 1,000,000-row
log) to the local outbox and, through the real twilio SDK, to the fake Twilio in its
own process. Each side is enqueued the same way (one request per message, awaited in
turn), then its workers start on the backlog; the rate is read between 10% and 90% of
it done, so start-up and the tail are outside the window. Inside the window: CPU per
message of each process (workers, this database's PostgreSQL backends, Redis, the fake
provider apart), round trips per message (counted at the drivers), PostgreSQL commits
per message (pg_stat_database). Then a paced phase (half the measured rate) gives the
claim delay: due → claimed, p50/p99. Every message must end sent, or the run says so.

Everything is the run's own (see ``bench_setup``): a database ``dispatcher_bench_<run>``
dropped at the end, a private redis-server, a pinned clock (10:00 in Beijing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name

from benchmarks.bench_setup import (
    PIN,
    Process,
    bench_settings,
    cpu_seconds,
    drop_database,
    fresh_database,
    pinned_clock,
    private_redis,
    seed_log,
    start_fake_twilio,
)  # fmt: skip
from dispatcher.client import DispatcherClient
from dispatcher.enqueue.requests import MessageRequest

VARIABLES = {
    "company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00", "currency": "CNY",
    "due_date": "2026-11-15", "days_overdue": 12, "contact_phone": "400-820-1234",
}  # fmt: skip


@dataclass
class Figures:
    rate: float = 0.0  # messages per second in the window
    enqueue_rate: float = 0.0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per message, by process kind
    redis_trips: float = 0.0
    pg_trips: float = 0.0
    pg_commits: float = 0.0
    delay_ms: tuple[float, float] = (0.0, 0.0)  # p50, p99
    problems: list[str] = field(default_factory=list)
    pg_by_kind: dict[str, float] = field(default_factory=dict)  # CPU ms/msg by backend type


@dataclass
class Run:
    """What one measured run needs: the run's services and its next unused debtor."""

    postgres_url: str
    database_url: str
    redis: Process
    twilio: Process
    anchor: float
    work_dir: Path
    next_debtor: int = 0
    debtors: int = 0

    def take_debtors(self, count: int) -> range:
        start, self.next_debtor = self.next_debtor, self.next_debtor + count
        if self.next_debtor > self.debtors:
            raise SystemExit("more messages than seeded debtors: raise --log-rows or lower --count")
        return range(start, self.next_debtor)


def request(debtor: int, key: str) -> MessageRequest:
    return MessageRequest(
        channel="sms", template="overdue_reminder", locale="zh-CN",
        destination=f"+86138{debtor:08d}", debtor_ref=f"H-{debtor}", account_ref=f"A-{debtor}",
        idempotency_key=key, variables=VARIABLES,
    )  # fmt: skip


class Side:
    """Enqueues one message the side's own way; the worker process of that side."""

    def __init__(self, run: Run, kind: str, mode: str) -> None:
        self.run, self.kind, self.mode = run, kind, mode
        self.client: DispatcherClient | None = None
        self.pool: ArqRedis | None = None
        self.ids: list[str] = []

    async def __aenter__(self) -> Side:
        redis_url = self.run.redis.url
        if self.kind == "bare":
            self.pool = await create_pool(RedisSettings.from_dsn(redis_url))
        else:
            settings = bench_settings(self.run.database_url, redis_url)
            clock = pinned_clock(PIN, self.run.anchor)
            self.client = await DispatcherClient.connect(settings, redis_url=redis_url, clock=clock)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.pool is not None:
            await self.pool.aclose()
        if self.client is not None:
            await self.client.log.engine.dispose()
            await self.client.redis.aclose()

    async def enqueue(self, debtor: int) -> None:
        key = f"bench:{uuid.uuid4().hex}"
        if self.pool is not None:
            await self.pool.enqueue_job("noop", key)
        else:
            assert self.client is not None
            self.ids.append((await self.client.send(request(debtor, key))).message_id)

    def start_worker(self, uvloop: bool, out: Path) -> subprocess.Popen[str]:
        args = [sys.executable, "-m", "benchmarks.bench_worker", "--kind", self.kind,
                "--redis-url", self.run.redis.url, "--out", str(out)]  # fmt: skip
        if self.kind == "dispatcher":
            args += ["--database-url", self.run.database_url, "--pin", PIN.isoformat(),
                     "--anchor", str(self.run.anchor)]  # fmt: skip
            if self.mode == "twilio":
                args += ["--twilio-base-url", self.run.twilio.url]
        if uvloop:
            args.append("--uvloop")
        popen = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert popen.stdout is not None
        if popen.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{self.kind} worker did not start")
        return popen


class Probe:
    """Counters read at the window's edges: CPU of each process, Redis and PostgreSQL's."""

    def __init__(self, run: Run, redis: ArqRedis, workers: list[subprocess.Popen[str]]) -> None:
        self.run, self.redis, self.workers = run, redis, workers
        self.redis_calls_by_us = 0
        self.kinds: dict[int, str] = {}  # backend pid: its type (client backend, autovacuum worker)

    async def backends(self) -> list[int]:
        conn = await asyncpg.connect(self.run.postgres_url.replace("+asyncpg", ""))
        try:
            name = self.run.database_url.rsplit("/", 1)[1]
            rows = await conn.fetch(
                "SELECT pid, backend_type FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            commits = await conn.fetchval(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", name
            )
        finally:
            await conn.close()
        self.commits = int(commits)
        self.kinds.update({int(r["pid"]): str(r["backend_type"]) for r in rows})
        return [int(r["pid"]) for r in rows]

    async def take(self) -> dict[str, Any]:
        for worker in self.workers:
            worker.send_signal(signal.SIGUSR2)
        pids = await self.backends()
        stats = await self.redis.info("commandstats")
        self.redis_calls_by_us += 1
        return {
            "at": time.monotonic(),
            "workers": sum(cpu_seconds(w.pid) for w in self.workers),
            "postgres": {pid: cpu_seconds(pid) for pid in pids},
            "redis": cpu_seconds(self.run.redis.popen.pid),
            "provider": cpu_seconds(self.run.twilio.popen.pid),
            "redis_commands": sum(int(v["calls"]) for v in stats.values()),
            "commits": self.commits,
        }


async def remaining(redis: ArqRedis, procs: Sequence[subprocess.Popen[str]] = ()) -> int:
    for proc in procs:
        if proc.poll() is not None:
            raise RuntimeError(f"a worker process ended (exit {proc.returncode}): see above")
    return int(await redis.zcard(default_queue_name))


async def measure(
    run: Run, kind: str, mode: str, workers: int, uvloop: bool, count: int
) -> Figures:
    figures = Figures()
    redis = await create_pool(RedisSettings.from_dsn(run.redis.url))
    await redis.flushdb()  # the run's private server: the last side's cron jobs go too
    out = run.work_dir / f"counters-{uuid.uuid4().hex}.jsonl"
    procs: list[subprocess.Popen[str]] = []
    try:
        async with Side(run, kind, mode) as side:
            started = time.perf_counter()
            for debtor in run.take_debtors(count):
                await side.enqueue(debtor)
            figures.enqueue_rate = count / (time.perf_counter() - started)
            procs = [side.start_worker(uvloop, out) for _ in range(workers)]
            probe = Probe(run, redis, procs)
            edges = []
            for mark in (0.9, 0.1):
                while (await remaining(redis, procs)) > count * mark:
                    probe.redis_calls_by_us += 1
                    await asyncio.sleep(0.01)
                edges.append((await remaining(redis), await probe.take()))
            await drained(redis, procs)
            await asyncio.sleep(0.3)
            _window(figures, edges, out, workers, probe)
            await _paced(run, side, figures, count, out, procs)
            if kind == "dispatcher":
                figures.problems += await _not_sent(run, side.ids)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        await redis.aclose()
    return figures


async def drained(redis: ArqRedis, procs: Sequence[subprocess.Popen[str]]) -> None:
    while await remaining(redis, procs):  # noqa: ASYNC110 (the queue is in another process)
        await asyncio.sleep(0.05)


def _counters(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


def _window(
    figures: Figures, edges: list[tuple[int, dict[str, Any]]], out: Path, workers: int,
    probe: Probe,
) -> None:  # fmt: skip
    (left_a, a), (left_b, b) = edges
    done = left_a - left_b
    figures.rate = done / (b["at"] - a["at"])
    pg = sum(b["postgres"][p] - a["postgres"].get(p, 0.0) for p in b["postgres"])
    for pid in b["postgres"]:  # autovacuum apart: the updates' cost, paid later
        kind = probe.kinds.get(pid, "other")
        used = (b["postgres"][pid] - a["postgres"].get(pid, 0.0)) / done * 1000
        figures.pg_by_kind[kind] = figures.pg_by_kind.get(kind, 0.0) + used
    figures.cpu_ms = {
        "worker": (b["workers"] - a["workers"]) / done * 1000,
        "postgres": pg / done * 1000,
        "redis": (b["redis"] - a["redis"]) / done * 1000,
        "provider": (b["provider"] - a["provider"]) / done * 1000,
    }
    snaps = _counters(out)  # per worker: the snapshot at a, then at b
    by_pid: dict[int, list[dict[str, Any]]] = {}
    for snap in snaps:
        by_pid.setdefault(snap["pid"], []).append(snap)
    figures.redis_trips = sum(s[1]["redis"] - s[0]["redis"] for s in by_pid.values()) / done
    figures.pg_trips = sum(s[1]["postgres"] - s[0]["postgres"] for s in by_pid.values()) / done
    figures.pg_commits = (b["commits"] - a["commits"]) / done
    if len(by_pid) != workers:
        figures.problems.append(f"counters from {len(by_pid)} of {workers} workers")


async def _paced(
    run: Run, side: Side, figures: Figures, count: int, out: Path,
    procs: list[subprocess.Popen[str]],
) -> None:  # fmt: skip
    """Half the measured rate, one message at a time: the claim delay when not backlogged."""
    paced = max(50, min(400, count // 5))
    for proc in procs:
        proc.send_signal(signal.SIGUSR2)
    await asyncio.sleep(0.2)
    before = {s["pid"]: len(s["delays_ms"]) for s in _counters(out)}
    first = len(side.ids)
    gap = 2 / figures.rate
    for debtor in run.take_debtors(paced):
        started = time.perf_counter()
        await side.enqueue(debtor)
        await asyncio.sleep(max(0.0, gap - (time.perf_counter() - started)))
    redis = side.pool or (side.client.redis if side.client else None)
    assert redis is not None
    await drained(redis, procs)
    await asyncio.sleep(0.5)
    if side.kind == "bare":
        for proc in procs:
            proc.send_signal(signal.SIGUSR2)
        await asyncio.sleep(0.3)
        last: dict[int, list[float]] = {}
        for snap in _counters(out):
            last[snap["pid"]] = snap["delays_ms"][before.get(snap["pid"], 0) :]
        delays = [d for values in last.values() for d in values]
    else:
        delays = await _claim_delays(run, side.ids[first:])
    if delays:
        q = statistics.quantiles(delays, n=100, method="inclusive")
        figures.delay_ms = (statistics.median(delays), q[98])


async def _claim_delays(run: Run, ids: list[str]) -> list[float]:
    conn = await asyncpg.connect(run.database_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM attempted_at - created_at) * 1000 AS ms FROM messages "
            "WHERE id = ANY($1::text[]) AND attempted_at IS NOT NULL",
            ids,
        )
    finally:
        await conn.close()
    return [float(r["ms"]) for r in rows]


async def _not_sent(run: Run, ids: list[str]) -> list[str]:
    conn = await asyncpg.connect(run.database_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM messages WHERE id = ANY($1::text[]) GROUP BY 1",
            ids,
        )
    finally:
        await conn.close()
    statuses = {r["status"]: int(r["n"]) for r in rows}
    wrong = {s: n for s, n in statuses.items() if s != "sent"}
    return [f"not sent: {wrong}"] if wrong or sum(statuses.values()) != len(ids) else []


def _med(runs: list[Figures], get: Callable[[Figures], float]) -> float:
    return statistics.median(get(f) for f in runs)


def _print(label: str, runs: list[Figures], bare: float) -> None:
    rate = _med(runs, lambda f: f.rate)
    cpu = {k: statistics.median(f.cpu_ms[k] for f in runs) for k in runs[0].cpu_ms}
    total = cpu["worker"] + cpu["postgres"] + cpu["redis"]
    ratio = f"{rate / bare:.3f}x bare arq" if bare else "baseline"
    pad = " " * 24
    print(
        f"  {label:<22}{rate:>7,.0f} msg/s  {ratio:<16} "
        f"enqueue {_med(runs, lambda f: f.enqueue_rate):,.0f}/s"
    )
    print(
        f"{pad}CPU ms/msg: worker {cpu['worker']:.2f}  postgres {cpu['postgres']:.2f}  "
        f"redis {cpu['redis']:.2f}  = {total:.2f}  (provider apart {cpu['provider']:.2f})"
    )
    kinds = sorted({kind for f in runs for kind in f.pg_by_kind})
    by_kind = [f"{k} {statistics.median(f.pg_by_kind.get(k, 0.0) for f in runs):.2f}"
               for k in kinds]  # fmt: skip
    if kinds:
        print(f"{pad}postgres by backend: {', '.join(by_kind)}")
    print(
        f"{pad}round trips/msg: postgres {_med(runs, lambda f: f.pg_trips):.1f} "
        f"(commits {_med(runs, lambda f: f.pg_commits):.1f})  "
        f"redis {_med(runs, lambda f: f.redis_trips):.1f}"
    )
    print(f"{pad}claim delay (paced at half the rate): "
          f"p50 {_med(runs, lambda f: f.delay_ms[0]):.1f} ms  "
          f"p99 {_med(runs, lambda f: f.delay_ms[1]):.1f} ms")  # fmt: skip
    for f in runs:
        for problem in f.problems:
            print(f"{pad}!! {problem}")


async def bench(args: argparse.Namespace) -> None:
    run_id = uuid.uuid4().hex[:10]
    work_dir = Path(tempfile.mkdtemp(prefix=f"dispatcher-bench-{run_id}-"))
    os.environ["BENCH_DATA_DIR"] = str(work_dir)
    modes = args.modes.split(",")
    loops = {"off": [False], "on": [True], "both": [False, True]}[args.uvloop]
    worker_counts = [int(w) for w in args.workers.split(",")]
    debtors = max(args.log_rows // 10, 1000)
    runs_needed = args.rounds * len(worker_counts) * len(loops) * len(modes)
    debtors = max(debtors, runs_needed * (args.count + 400) + 1)
    database_url = await fresh_database(args.postgres_url, run_id)
    redis = private_redis(work_dir)
    twilio = start_fake_twilio()
    try:
        started = time.perf_counter()
        await seed_log(database_url, rows=args.log_rows, debtors=debtors, pin=PIN)
        print(f"seeded {args.log_rows:,} sent texts over {debtors:,} debtors in "
              f"{time.perf_counter() - started:.0f} s; load: {os.getloadavg()[0]:.2f}")  # fmt: skip
        run = Run(args.postgres_url, database_url, redis, twilio, time.time(), work_dir,
                  debtors=debtors)  # fmt: skip
        for loop in loops:
            for workers in worker_counts:
                results: dict[str, list[Figures]] = {"bare": []} | {m: [] for m in modes}
                for _ in range(args.rounds):
                    bare_run = await measure(run, "bare", "", workers, loop, args.count)
                    results["bare"].append(bare_run)
                    for mode in modes:
                        results[mode].append(
                            await measure(run, "dispatcher", mode, workers, loop, args.count)
                        )
                bare = statistics.median(f.rate for f in results["bare"])
                print(f"\n{workers} worker process(es), uvloop {'on' if loop else 'off'}, "
                      f"{args.count} messages, median of {args.rounds}; "
                      f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
                _print("bare arq (no-op job)", results["bare"], 0.0)
                for mode in modes:
                    label = "dispatcher → outbox" if mode == "outbox" else "dispatcher → twilio SDK"
                    _print(label, results[mode], bare)
    finally:
        twilio.stop()
        redis.stop()
        await drop_database(args.postgres_url, database_url)
        shutil.rmtree(work_dir, ignore_errors=True)  # its data: a signing key, logs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--modes", default="outbox,twilio")
    parser.add_argument("--uvloop", choices=("off", "on", "both"), default="off")
    parser.add_argument("--log-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped run still drops what it made
    asyncio.run(bench(parser.parse_args()))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
