"""What paused messages cost a worker: CPU while N messages wait under a pause.

    python -m benchmarks.paused [--count 2000] [--seconds 10]

A pause of everything, then ``count`` texts enqueued; one worker process takes them
(each is deferred by the pause); once every message has been decided and the deferrals'
events sealed (the proof's cron, once per event), the worker's CPU is read over
``seconds``. Printed as a share of one core, beside the same worker idle with an empty
queue, measured in the same run. Then the pause is lifted: how long the lift and the
release of what it parked take, and how long until every message is decided again. Its
own database and private Redis, as ``benchmarks.pipeline``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Collection

from sqlalchemy import func, select

from benchmarks.bench_setup import cpu_seconds, worker_run
from benchmarks.pipeline import request
from dispatcher.client import DispatcherClient
from dispatcher.contactlog.models import AuditLeaf, Message, MessageEvent
from dispatcher.domain import PENDING, MessageStatus
from dispatcher.pauses.state import PauseStore
from dispatcher.proof.kinds import MESSAGE_EVENT


async def until_none(
    client: DispatcherClient, statuses: Collection[MessageStatus], *, deadline: float
) -> None:
    """Until no message has one of ``statuses``."""
    while time.monotonic() < deadline:
        async with client.log.engine.connect() as conn:
            found = await conn.scalar(select(func.count()).where(Message.status.in_(statuses)))
        if not found:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"messages still {sorted(statuses)} at the deadline")


async def sealed(client: DispatcherClient, *, deadline: float) -> None:
    """Until every event of the log is a leaf of the proof's tree."""
    while time.monotonic() < deadline:
        async with client.log.engine.connect() as conn:
            events = (await conn.execute(select(func.count()).select_from(MessageEvent))).scalar()
            leaves = (
                await conn.execute(select(func.count()).where(AuditLeaf.kind == MESSAGE_EVENT.name))
            ).scalar()
        if leaves == events:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the events were not sealed in time")


def core_share(pid: int, seconds: float) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


async def bench(args: argparse.Namespace) -> None:
    async with worker_run(args.postgres_url, "paused", workers=1) as run:
        (worker,) = run.workers
        idle = core_share(worker.pid, args.seconds)
        clock = run.clock()
        client = await DispatcherClient.connect(
            run.settings(), redis_url=run.redis_url, clock=clock
        )
        async with client:
            pauses = PauseStore(client.log.engine, clock, client.queue)
            await pauses.pause(scope="all", target=None, reason="benchmark", by="bench")
            requests = [request(i, f"paused:{run.run_id}:{i}") for i in range(args.count)]
            for at in range(0, len(requests), 500):
                await client.send_many(requests[at : at + 500])
            await until_none(client, {MessageStatus.QUEUED}, deadline=time.monotonic() + 300)
            await asyncio.sleep(3)  # the last decisions' jobs, and a re-check if any
            # Their deferrals' events are sealed next (the proof's cron, once each): a cost
            # of the decisions, paid once, not of the waiting; it is let finish first.
            sealing = time.monotonic()
            await sealed(client, deadline=time.monotonic() + 600)
            sealing = time.monotonic() - sealing
            paused = core_share(worker.pid, args.seconds)
            lifting = time.monotonic()
            await pauses.resume(scope="all", target=None, by="bench", reason="benchmark")
            lifted = time.monotonic() - lifting
            await until_none(client, PENDING, deadline=time.monotonic() + 600)  # released: queued
            resumed = time.monotonic() - lifting
    print(
        f"{args.count} paused messages, load {os.getloadavg()[0]:.2f}: worker at "
        f"{paused:.0%} of a core over {args.seconds:.0f} s (idle, same run: {idle:.0%}); "
        f"their events were sealed in the {sealing:.0f} s before"
    )
    print(
        f"resume: the pause lifted and {args.count} messages released in {lifted:.2f} s; "
        f"every one decided again (sent) {resumed:.1f} s after the lift "
        f"({args.count / resumed:,.0f} msg/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
