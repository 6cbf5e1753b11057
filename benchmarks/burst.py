"""What a burst for one debtor costs a worker, and what it costs everyone else.

    python -m benchmarks.burst [--count 1000] [--workers 1]

Worker processes (outbox), their own database and private Redis, as ``benchmarks.pipeline``;
the clock pinned inside every pack's hours. Three rounds, each ``count`` texts due at once:

- spread: one text for each of ``count`` debtors (the baseline);
- burst: all ``count`` texts for one debtor (the caps let a few go, the rest are deferred);
- burst beside spread: both at once — how long the spread's texts take with the burst in the
  way, against the spread alone.

Printed per round: wall time until every text was decided, the workers' and PostgreSQL's CPU
per text, and what became of the texts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

import asyncpg

from benchmarks.bench_setup import backends_cpu, cpu_seconds, worker_run
from benchmarks.pipeline import request
from dispatcher.client import DispatcherClient
from dispatcher.domain import MessageStatus
from dispatcher.sending.postgres.pool import driver_dsn


@dataclass(frozen=True)
class Round:
    name: str
    seconds: float  # from the texts' due time until every one was decided
    spread_seconds: float | None  # until every text of the spread was (burst beside spread)
    worker_ms: float  # CPU per text
    postgres_ms: float
    outcomes: Counter[str]

    def show(self, count: int) -> None:
        spread = "" if self.spread_seconds is None else (
            f", the spread's {count:,} done in {self.spread_seconds:.2f} s"
        )  # fmt: skip
        print(f"  {self.name:<20} {self.seconds:6.2f} s{spread}")
        print(f"  {'':<20} CPU ms/text: worker {self.worker_ms:.2f}  postgres "
              f"{self.postgres_ms:.2f};  {dict(sorted(self.outcomes.items()))}")  # fmt: skip


class Probe:
    """The round's progress and the worker's database CPU, on a connection of its own (whose
    backend's CPU, the polling's, is left out)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def cpu(self) -> dict[int, float]:
        """CPU seconds used so far by each of the worker's backends (read from /proc)."""
        return await backends_cpu(self.conn)

    async def decided(self, refs: list[str]) -> bool:
        waiting: int = await self.conn.fetchval(
            "SELECT count(*) FROM messages WHERE status = $1 AND debtor_ref = ANY($2::varchar[])",
            str(MessageStatus.QUEUED), refs,
        )  # fmt: skip
        return not waiting

    async def outcomes(self, refs: list[str]) -> Counter[str]:
        rows = await self.conn.fetch(
            "SELECT status, count(*) FROM messages WHERE debtor_ref = ANY($1::varchar[])"
            " GROUP BY status",
            refs,
        )
        return Counter({str(status): int(n) for status, n in rows})


async def one_round(
    name: str, client: DispatcherClient, worker_pids: list[int], probe: Probe,
    texts: list[tuple[int, str]], spread_refs: list[str] | None,
) -> Round:  # fmt: skip
    refs = sorted({f"H-{debtor}" for debtor, _ in texts})
    # All due at one instant, a little after they are all enqueued: the round starts there.
    lead = 2.0 + len(texts) / 1000
    due = client.log.clock.now() + timedelta(seconds=lead)
    due_wall = time.monotonic() + lead
    requests = [replace(request(debtor, key), send_after=due) for debtor, key in texts]
    for at in range(0, len(requests), 500):
        await client.send_many(requests[at : at + 500])
    if time.monotonic() > due_wall - 0.5:
        raise RuntimeError(f"{name}: enqueueing took longer than the {lead:.1f} s lead")
    await asyncio.sleep(due_wall - 0.2 - time.monotonic())
    pg_before, worker_before = await probe.cpu(), sum(cpu_seconds(p) for p in worker_pids)
    started = due_wall
    spread_done: float | None = None
    deadline = started + 600
    while not await probe.decided(refs):
        if spread_refs is not None and spread_done is None and await probe.decided(spread_refs):
            spread_done = time.monotonic() - started
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: not every text was decided in 600 s")
        await asyncio.sleep(0.02)
    seconds = time.monotonic() - started
    if spread_refs is not None and spread_done is None:
        spread_done = seconds
    worker = sum(cpu_seconds(p) for p in worker_pids) - worker_before
    pg = sum(used - pg_before.get(pid, 0.0) for pid, used in (await probe.cpu()).items())
    return Round(
        name, seconds, spread_done, worker / len(texts) * 1000, pg / len(texts) * 1000,
        await probe.outcomes(refs),
    )  # fmt: skip


@asynccontextmanager
async def aclosing_connection(conn: asyncpg.Connection) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await conn.close()


async def bench(args: argparse.Namespace) -> None:
    count = args.count
    async with worker_run(args.postgres_url, "burst", workers=args.workers) as run:
        client = await DispatcherClient.connect(
            run.settings(), redis_url=run.redis_url, clock=run.clock()
        )
        print(f"{args.workers} worker process(es), {count:,} texts a round, "
              f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
        probe_conn = await asyncpg.connect(driver_dsn(run.database_url))
        probe, pids, run_id = Probe(probe_conn), run.pids, run.run_id
        async with client, aclosing_connection(probe_conn):
            spread = [(i, f"spread:{run_id}:{i}") for i in range(count)]
            burst = [(10**7, f"burst:{run_id}:{i}") for i in range(count)]
            later = [(count + i, f"spread2:{run_id}:{i}") for i in range(count)]
            burst2 = [(10**7 + 1, f"burst2:{run_id}:{i}") for i in range(count)]
            side_by_side = [x for pair in zip(burst2, later, strict=True) for x in pair]
            later_refs = sorted({f"H-{debtor}" for debtor, _ in later})
            rounds = [
                await one_round("spread", client, pids, probe, spread, None),
                await one_round("burst", client, pids, probe, burst, None),
                await one_round(
                    "burst beside spread", client, pids, probe, side_by_side, later_refs
                ),
            ]
    for each in rounds:
        each.show(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
