"""One benchmark worker process: bare arq (a no-op job) or the dispatcher's worker.

    python -m benchmarks.bench_worker --kind bare|dispatcher --redis-url URL --out FILE
        [--database-url URL --pin ISO --anchor EPOCH --uvloop]

Both kinds count, the same way, what a benchmark needs and a worker does not keep:
completed jobs, claim delays (bare: job start − enqueue time; the dispatcher's are read
from the contact log), and round trips on the wire — to Redis (each packed command
sent: a pipeline or a script is one) and to PostgreSQL (each simple query, prepare and
bind-execute of asyncpg). SIGUSR2 appends a snapshot of the counters to ``--out`` (one
JSON line), so the parent reads them at the edges of its steady-state window; SIGTERM
stops the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from arq import Worker
from arq.connections import RedisSettings

COUNTS = {"jobs": 0, "redis": 0, "postgres": 0}
DELAYS_MS: list[float] = []


def _count(counter: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def counted(*args: Any, **kwargs: Any) -> Any:
        COUNTS[counter] += 1
        return method(*args, **kwargs)

    return counted


def count_round_trips() -> None:
    """Wrap the drivers' request methods: each call below is one request on the wire."""
    import asyncpg
    from asyncpg.prepared_stmt import PreparedStatement
    from redis.asyncio.connection import AbstractConnection

    AbstractConnection.send_packed_command = _count(  # type: ignore[method-assign]
        "redis", AbstractConnection.send_packed_command
    )
    original_execute = asyncpg.Connection.execute

    async def execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # the simple-query protocol; with args it goes through _do_execute
            COUNTS["postgres"] += 1
        return await original_execute(self, query, *args, **kwargs)

    asyncpg.Connection.execute = execute
    for cls, name in (
        (asyncpg.Connection, "_do_execute"),
        (asyncpg.Connection, "_prepare"),
        (PreparedStatement, "_PreparedStatement__bind_execute"),
        (PreparedStatement, "executemany"),
    ):
        setattr(cls, name, _count("postgres", getattr(cls, name)))


def snapshot(out: Path) -> None:
    line = {"pid": os.getpid(), "at": time.time(), **COUNTS, "delays_ms": DELAYS_MS}
    with out.open("a") as file:
        file.write(json.dumps(line) + "\n")


async def noop(ctx: dict[str, Any], message_id: str) -> None:
    return None


async def job_ended(ctx: dict[str, Any]) -> None:
    COUNTS["jobs"] += 1


async def bare_job_started(ctx: dict[str, Any]) -> None:
    DELAYS_MS.append((datetime.now(UTC) - ctx["enqueue_time"]).total_seconds() * 1000)


def build(args: argparse.Namespace) -> Worker:
    options: dict[str, Any] = {
        "handle_signals": False, "after_job_end": job_ended, "max_jobs": args.max_jobs,
        "poll_delay": args.poll_delay,
    }  # fmt: skip
    if args.kind == "bare":
        return Worker(
            functions=[noop], redis_settings=RedisSettings.from_dsn(args.redis_url),
            keep_result=0, on_job_start=bare_job_started, **options,
        )  # fmt: skip
    from benchmarks.bench_setup import bench_settings, pinned_clock
    from dispatcher.process.worker import create_worker

    settings = bench_settings(args.database_url, args.redis_url, args.twilio_base_url)
    clock = pinned_clock(datetime.fromisoformat(args.pin), args.anchor)
    return create_worker(
        settings, redis_url=args.redis_url, clock=clock, own_process=True, **options
    )


async def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    loop.add_signal_handler(signal.SIGUSR2, snapshot, out)
    worker = build(args)
    main = asyncio.create_task(worker.main())
    print("ready", flush=True)
    await asyncio.wait({main, asyncio.create_task(stopped.wait())}, return_when="FIRST_COMPLETED")
    if main.done():
        main.result()  # a start-up failure
    main.cancel()
    await asyncio.gather(main, return_exceptions=True)
    await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("bare", "dispatcher"), required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--twilio-base-url", default="")
    parser.add_argument("--pin", default="")
    parser.add_argument("--anchor", type=float, default=0.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-jobs", type=int, default=50)
    parser.add_argument("--poll-delay", type=float, default=0.5)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    count_round_trips()
    if profile_dir := os.environ.get("BENCH_PROFILE_DIR"):  # where the time goes, per worker
        import cProfile

        # CPU time, not wall time: on a loaded machine a descheduled process is not busy.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        try:
            asyncio.run(run(args))
        finally:
            profiler.disable()
            profiler.dump_stats(f"{profile_dir}/{args.kind}-{os.getpid()}.prof")
        return
    if args.uvloop:
        import uvloop

        uvloop.run(run(args))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
