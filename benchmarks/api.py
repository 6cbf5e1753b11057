"""Enqueue throughput of the HTTP API, beside a bare arq enqueue of the same count, same run.

    python -m benchmarks.api [--count 10000] [--singles 2000] [--rounds 3] [--processes 2]
                             [--database-url URL]

Starts `dispatcher serve` (HTTP_PROCESSES server processes sharing the port) on a
PostgreSQL database and a redis-server of the run's own (dropped and stopped after it: the
servers here are shared), and measures messages accepted per second: single POST
/v1/messages requests, one at a time and 16 at a time, one batch of 10,000 to POST
/v1/messages/batch, and as many batches at once as there are server processes. Bodies are
serialised before the clock starts: the figures are the server's (validate, render,
contact log, queue), not the client's. Target: 10,000 messages/s accepted in batches.
Last, in this process: how long reading a batch's bytes by its model takes (pydantic,
``dispatcher/api/models``) beside ``json.loads`` of the same bytes.

Every message goes to its own phone number, new in each run and round, and owes its own
amount: the server remembers numbers it has read (an LRU), and a benchmark that sent
10,000 messages to one number would measure that cache, not the work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from arq import create_pool
from arq.connections import RedisSettings

from benchmarks.bench_setup import drop_database, fresh_database, private_redis
from dispatcher.api.models.messages import BatchRequest
from dispatcher.clock import SystemClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.keys import ApiKeyStore, Role
from dispatcher.contactlog.migrate import upgrade

VARIABLES = {
    "company_name": "安信资产",
    "debtor_name": "王伟",
    "amount": "3250.00",
    "currency": "CNY",
    "due_date": "2026-11-15",
    "days_overdue": 12,
    "contact_phone": "400-820-1234",
}


def message(run: str, i: int, numbers: int) -> dict[str, Any]:
    """Message ``i`` of a run, to the number ``numbers + i`` (China Mobile, 138 xxxx xxxx)."""
    n = (numbers + i) % 10**8
    return {
        "channel": "sms",
        "template": "overdue_reminder",
        "locale": "zh-CN",
        "destination": f"+86 138 {n // 10**4:04d} {n % 10**4:04d}",
        "debtor_ref": f"D-{i}",
        "account_ref": f"A-{i}",
        "idempotency_key": f"{run}:{i}",
        "variables": {**VARIABLES, "amount": f"{1000 + i % 9000}.{i % 100:02d}"},
        "campaign": "bench",
    }


def fresh_numbers() -> int:
    """Where this round's phone numbers start: none the server has seen in this run."""
    return random.randrange(10**8)


async def bare_arq(redis_url: str, count: int) -> float:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    await pool.flushdb()
    started = time.perf_counter()
    for i in range(count):
        await pool.enqueue_job("noop", str(i))
    took = time.perf_counter() - started
    await pool.flushdb()
    await pool.aclose()
    return count / took


async def singles(http: aiohttp.ClientSession, url: str, count: int, concurrency: int) -> float:
    run = f"single-{concurrency}-{time.time_ns()}"
    numbers = fresh_numbers()
    bodies = [json.dumps(message(run, i, numbers)).encode() for i in range(count)]
    queue = iter(bodies)

    async def send() -> None:
        for body in queue:
            async with http.post(url, data=body) as response:
                assert response.status == 202, await response.text()

    started = time.perf_counter()
    await asyncio.gather(*(send() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def batch(http: aiohttp.ClientSession, url: str, count: int) -> float:
    run = f"batch-{time.time_ns()}"
    numbers = fresh_numbers()
    body = json.dumps({"messages": [message(run, i, numbers) for i in range(count)]}).encode()
    started = time.perf_counter()
    async with http.post(url, data=body) as response:
        answer = await response.json()
        assert response.status == 202 and answer["created"] == count, answer
    return count / (time.perf_counter() - started)


async def batches_at_once(
    http: aiohttp.ClientSession, url: str, count: int, at_once: int
) -> float:
    """``at_once`` batches sent together, as several strategy jobs would: messages/s in all."""
    run = f"batches-{time.time_ns()}"
    bodies = []
    for b in range(at_once):
        numbers = fresh_numbers()
        items = [message(f"{run}-{b}", i, numbers) for i in range(count)]
        bodies.append(json.dumps({"messages": items}).encode())

    async def send(body: bytes) -> None:
        async with http.post(url, data=body) as response:
            answer = await response.json()
            assert response.status == 202 and answer["created"] == count, answer

    started = time.perf_counter()
    await asyncio.gather(*(send(body) for body in bodies))
    return at_once * count / (time.perf_counter() - started)


def read_batch(count: int, rounds: int) -> tuple[float, float]:
    """Milliseconds to read one batch's bytes as the server does (its model: parse, shape
    checks, every field's type and size), beside ``json.loads`` of the same bytes alone."""
    body = json.dumps({"messages": [message("read", i, 0) for i in range(count)]}).encode()
    modelled, parsed = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        BatchRequest.model_validate_json(body)
        modelled.append(time.perf_counter() - started)
        started = time.perf_counter()
        json.loads(body)
        parsed.append(time.perf_counter() - started)
    return min(modelled) * 1000, min(parsed) * 1000


async def strategy_key(database_url: str) -> str:
    engine = create_engine(database_url)
    await upgrade(engine)
    created = await ApiKeyStore(engine, SystemClock()).create(
        name=f"bench-{time.time_ns()}", role=Role.STRATEGY, created_by="benchmark"
    )
    await engine.dispose()
    return created.secret


def start_server(
    database_url: str, redis_url: str, port: int, processes: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HTTP_PORT": str(port),
        "HTTP_PROCESSES": str(processes),
        "DISPATCHER_DATA_DIR": tempfile.mkdtemp(prefix="api-bench-"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dispatcher", "serve"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


async def wait_until_up(http: aiohttp.ClientSession, base: str) -> None:
    for _ in range(1200):  # a minute: a loaded machine starts the server slowly
        try:
            async with http.get(base + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit("the server did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000, help="messages per batch")
    parser.add_argument("--singles", type=int, default=2_000, help="single requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="server processes (HTTP_PROCESSES)"
    )
    args = parser.parse_args()

    # A database and a Redis server of this run's own: the servers here are shared.
    work_dir = Path(tempfile.mkdtemp(prefix="dispatcher-bench-api-"))
    redis = private_redis(work_dir)
    redis_url = redis.url
    server_url = database_url = args.database_url
    if server_url.startswith("postgresql"):
        database_url = await fresh_database(server_url, uuid.uuid4().hex[:10])
    secret = await strategy_key(database_url)
    port = free_port()
    server = start_server(database_url, redis_url, port, args.processes)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    keys = ("arq", "one", "sixteen", "batch", "batches")
    figures: dict[str, list[float]] = {k: [] for k in keys}
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            await wait_until_up(http, base)
            for _ in range(args.rounds):
                figures["arq"].append(await bare_arq(redis_url, args.count))
                figures["one"].append(await singles(http, base + "/v1/messages", args.singles, 1))
                figures["sixteen"].append(
                    await singles(http, base + "/v1/messages", args.singles, 16)
                )
                figures["batch"].append(await batch(http, base + "/v1/messages/batch", args.count))
                figures["batches"].append(
                    await batches_at_once(
                        http, base + "/v1/messages/batch", args.count, args.processes
                    )
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        redis.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        if database_url != server_url:
            await drop_database(server_url, database_url)

    read_ms, loads_ms = read_batch(args.count, rounds=5)
    med = {k: statistics.median(v) for k, v in figures.items()}
    arq = med["arq"]
    print(
        f"median of {args.rounds} rounds, {database_url.split(':')[0]}, server in its own "
        f"process(es): HTTP_PROCESSES={args.processes}"
    )
    print(f"  bare arq enqueue_job, {args.count} one after another  {arq:>9,.0f} messages/s")
    for key, label in (
        ("one", f"POST /v1/messages, {args.singles} one at a time"),
        ("sixteen", f"POST /v1/messages, {args.singles}, 16 at a time"),
        ("batch", f"POST /v1/messages/batch of {args.count}"),
        ("batches", f"{args.processes} such batches at once"),
    ):
        if key == "batches" and args.processes == 1:
            continue  # the same as one batch
        print(f"  {label:<46} {med[key]:>9,.0f} messages/s  ({med[key] / arq:.2f}x bare arq)")
    print(
        f"  reading a batch of {args.count} by its model (best of 5, in this process) "
        f"{read_ms:,.0f} ms  (json.loads alone: {loads_ms:,.0f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
