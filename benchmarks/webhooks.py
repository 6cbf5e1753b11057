"""Outbound events: what they cost the send path, and how fast the projection runs.

    python -m benchmarks.webhooks [--messages 2000] [--workers 8] [--pairs 3] [--project 20000]

On PostgreSQL (``BENCH_POSTGRES_URL``), in a database named for this run and dropped at
the end. The send path is stood in for by its writes: each of ``--workers`` tasks moves
its share of queued messages through queued → sending → sent → delivered with
``ContactLog.transition`` (a compare-and-set plus its event, as the worker and the
webhooks do). Rounds, each on fresh messages:

``alone`` (no deliverer: the baseline), ``up`` (``dispatcher webhooks`` running, in its own
process as in production, delivering every event to a receiver that answers 204 at once)
and ``down`` (the same, to a receiver that takes each request and never answers: a
subscriber that is down), ``--pairs`` times in turn so the machine's drift hits each.
``up`` against ``down`` is what a down subscriber costs; ``alone`` against ``up`` is
what deriving and delivering events costs the machine the senders share.

Printed: transitions per second in each round (and the median per kind), and the
projection's throughput on ``--project`` new events (one projection after another). The
clock is pinned for the log's times; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.events.projector import project
from dispatcher.webhooks.subscriptions import SubscriptionStore

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STEPS = (
    ({MessageStatus.QUEUED}, MessageStatus.SENDING),
    ({MessageStatus.SENDING}, MessageStatus.SENT),
    ({MessageStatus.SENT}, MessageStatus.DELIVERED),
)


async def admin(sql: str) -> None:
    engine = create_async_engine(make_url(POSTGRES), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def fill(log: ContactLog, prefix: str, count: int) -> list[str]:
    """``count`` queued messages (and their queued events), by SQL."""
    pad = 26 - len(prefix)
    async with log.engine.begin() as conn:
        await conn.execute(
            text(f"""
            INSERT INTO messages (id, idempotency_key, debtor_ref, channel, template_name,
                template_version, locale, variables, destination, requested_by, created_at,
                scheduled_for, valid_until, updated_at, status, attempts)
            SELECT '{prefix}' || lpad(i::text, {pad}, '0'), '{prefix}' || i, 'd-' || i, 'sms',
                't', 'v', 'en-US', '{{}}', '+12015550123', 'strategy', :now, :now, :now,
                :now, 'queued', 0
            FROM generate_series(1, {count}) AS i"""),
            {"now": NOW},
        )
        await conn.execute(
            text(f"""
            INSERT INTO message_events (message_id, at, source, status, detail)
            SELECT '{prefix}' || lpad(i::text, {pad}, '0'), :now, 'api', 'queued', '{{}}'
            FROM generate_series(1, {count}) AS i"""),
            {"now": NOW},
        )
    return [f"{prefix}{n:0{pad}d}" for n in range(1, count + 1)]


async def send_round(log: ContactLog, ids: list[str], workers: int) -> float:
    """Transitions per second, ``workers`` tasks at once."""

    async def work(share: list[str]) -> None:
        for message_id in share:
            for expect, to in STEPS:
                moved = await log.transition(
                    message_id, expect=expect, to=to, source=EventSource.WORKER
                )
                assert moved

    started = time.perf_counter()
    await asyncio.gather(*(work(ids[i::workers]) for i in range(workers)))
    return len(ids) * len(STEPS) / (time.perf_counter() - started)


HIT = {"up": asyncio.Event(), "down": asyncio.Event()}  # set by each request taken
RECEIVED: set[str] = set()  # the event ids the "up" receiver took


@contextlib.asynccontextmanager
async def receivers() -> AsyncIterator[dict[str, str]]:
    """Two receivers: "up" answers 204 at once; "down" takes the request and never answers."""

    async def ok(request: web.Request) -> web.Response:
        HIT["up"].set()
        RECEIVED.add(request.headers["webhook-id"])
        await request.read()
        return web.Response(status=204)

    async def hang(request: web.Request) -> web.Response:
        HIT["down"].set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    runner = web.AppRunner(web.Application(), access_log=None, shutdown_timeout=0.1)
    runner.app.router.add_post("/up", ok)
    runner.app.router.add_post("/down", hang)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield {"up": f"{base}/up", "down": f"{base}/down"}
    finally:
        await runner.cleanup()


async def main(messages: int, workers: int, pairs: int, project_events: int) -> None:
    name = f"bench_webhooks_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        await run(url, messages, workers, pairs, project_events)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}"')


async def run(url: str, messages: int, workers: int, pairs: int, project_events: int) -> None:
    engine = create_engine(url, pool_size=workers + 4)
    try:
        await measure(engine, url, messages, workers, pairs, project_events)
    finally:
        await engine.dispose()


async def measure(
    engine: AsyncEngine, url: str, messages: int, workers: int, pairs: int, project_events: int
) -> None:
    await upgrade(engine)
    log = ContactLog(engine, FrozenClock(NOW))
    kinds = ("alone", "up", "down")
    batches = [await fill(log, f"{n:X}", messages) for n in range(len(kinds) * pairs)]
    await project(engine, now=NOW)  # the fills' queued events, out of the way
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    async with receivers() as urls:
        store = SubscriptionStore(engine, FrozenClock(NOW))
        await store.create(
            name="crm", url=urls["up"], event_types=["*"], role="strategy", secret=None, by="bench"
        )
        for n in range(pairs):  # in turns, so that the machine's drift hits each kind
            for k, kind in enumerate(kinds):
                ids = batches[len(kinds) * n + k]
                if kind == "alone":
                    rates[kind].append(await send_round(log, ids, workers))
                    continue
                await store.update(1, {"url": urls[kind]})
                canary = f"C{n:02d}{kind[0]}"
                rates[kind].append(await with_deliverer(url, log, ids, workers, kind, canary))
        await store.update(1, {"url": urls["up"]})
        delivered = await delivery_rate(url, log, messages)
    projected = await projection_rate(engine, log, project_events)
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f};",
        f"{workers} tasks, {pairs} rounds each",
    )
    for label, found in rates.items():
        shown = " ".join(f"{r:.0f}" for r in found)
        print(
            f"transitions/s {label:>5}: median {statistics.median(found):6.0f}  (rounds: {shown})"
        )
    print(delivered)
    print(projected)


async def with_deliverer(
    url: str, log: ContactLog, ids: list[str], workers: int, kind: str, canary: str
) -> float:
    """A send round while ``dispatcher webhooks`` (a process of its own, as in production)
    delivers to the ``kind`` receiver. The round starts once the deliverer is running:
    when the receiver has taken the canary message's event (its start-up takes seconds)."""
    env = {**os.environ, "DATABASE_URL": url, "WEBHOOK_TIMEOUT_S": "600", "LOG_FORMAT": "json"}
    deliverer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dispatcher", "webhooks", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        HIT[kind].clear()
        await fill(log, canary, 1)
        await HIT[kind].wait()
        return await send_round(log, ids, workers)
    finally:
        await stop_now(deliverer)


async def delivery_rate(url: str, log: ContactLog, count: int) -> str:
    """What ``dispatcher webhooks`` delivers to the "up" receiver, from its first request
    until nothing is left to deliver (``count`` new events, and whatever the rounds left)."""
    await fill(log, "W", count)
    HIT["up"].clear()
    env = {**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "json"}
    deliverer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dispatcher", "webhooks", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await HIT["up"].wait()
        started, before = time.perf_counter(), await _scalar(log, DELIVERED)
        while True:
            if await _scalar(log, LEFT) == 0:
                break
            await asyncio.sleep(0.05)
        took, delivered = time.perf_counter() - started, await _scalar(log, DELIVERED) - before
    finally:
        await stop_now(deliverer)
    return f"deliveries: {delivered} in {took:.2f} s = {delivered / took:.0f}/s (answered at once)"


async def stop_now(deliverer: asyncio.subprocess.Process) -> None:
    """Two SIGTERMs: the second stops it without waiting for a request that hangs."""
    deliverer.terminate()
    await asyncio.sleep(0.5)
    if deliverer.returncode is None:
        deliverer.terminate()
    await deliverer.wait()


DELIVERED = "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'"
LEFT = (
    "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending')"
    " + (SELECT count(*) FROM outbound_events, webhook_subscriptions s WHERE seq > s.cursor)"
    " + (SELECT count(*) FROM message_events) - (SELECT high FROM event_sources"
    "    WHERE name = 'message_events')"
)


async def _scalar(log: ContactLog, sql: str) -> int:
    async with log.engine.connect() as conn:
        return int(await conn.scalar(text(sql)) or 0)


async def projection_rate(engine: AsyncEngine, log: ContactLog, events: int) -> str:
    """Events per second, projecting ``events`` new ones a batch after another."""
    await fill(log, "P", events)
    written, started = 0, time.perf_counter()
    while batch := await project(engine, now=NOW):
        written += batch
    took = time.perf_counter() - started
    return f"projection: {written} events in {took:.2f} s = {written / took:.0f}/s"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=3, help="rounds of each kind")
    parser.add_argument("--project", type=int, default=20_000, help="events to project")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.workers, args.pairs, args.project))
