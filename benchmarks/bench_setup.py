"""What the pipeline benchmark runs on, all named for the run and removed after it.

- a PostgreSQL database ``dispatcher_bench_<run>`` on the given server, migrated and
  seeded with a contact log of ``log_rows`` sent texts (the caps count them); dropped at
  the end, without FORCE (every connection of ours is closed first);
- a private redis-server on a free local TCP port (so its CPU and its command counts are
  the benchmark's alone), stopped at the end;
- the fake Twilio in a process of its own (``tests.faults.provider_process``);
- a pinned clock: every process reads the same pinned instant plus the wall time since a
  shared anchor, so the debtors' hours allow sending whatever the time of day.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from dispatcher.clock import ShiftedClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.settings import Secret, Settings

__all__ = [
    "PIN",
    "Process",
    "bench_settings",
    "cpu_seconds",
    "drop_database",
    "fresh_database",
    "pinned_clock",
    "private_redis",
    "seed_log",
    "start_fake_twilio",
]

# 10:00 in Beijing on a Tuesday: inside every pack's hours for texts to +86 numbers.
PIN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TICKS = os.sysconf("SC_CLK_TCK")


def pinned_clock(pin: datetime, anchor: float) -> ShiftedClock:
    """Reads ``pin`` at wall time ``anchor`` and moves with the wall clock after it."""
    return ShiftedClock(pin + timedelta(seconds=time.time() - anchor))


def bench_settings(database_url: str, redis_url: str, twilio_base_url: str = "") -> Settings:
    from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

    twilio = (
        {
            "twilio_account_sid": TEST_ACCOUNT_SID,
            "twilio_auth_token": Secret(TEST_AUTH_TOKEN),
            "twilio_from_number": TEST_FROM_NUMBER,
            "twilio_api_base_url": twilio_base_url,
        }
        if twilio_base_url
        else {}
    )
    data_dir = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/dispatcher-bench"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings.from_env(
        {}, data_dir=data_dir, database_url=database_url, redis_url=redis_url, **twilio
    )


async def backends_cpu(conn: asyncpg.Connection) -> dict[int, float]:
    """CPU seconds used so far by each client backend of ``conn``'s database, ``conn``'s own
    apart (whatever it is used for, such as polling, is not counted)."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    return {int(r["pid"]): cpu_seconds(int(r["pid"])) for r in rows}


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Process:
    popen: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_redis(work_dir: Path) -> Process:
    port = _free_port()
    popen = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(work_dir), "--logfile", str(work_dir / "redis.log")],
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return Process(popen, f"redis://127.0.0.1:{port}/0")
        except OSError:
            time.sleep(0.05)
    popen.kill()
    raise RuntimeError("the benchmark's redis-server did not start")


def start_fake_twilio() -> Process:
    popen = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.provider_process"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert popen.stdout is not None
    port = json.loads(popen.stdout.readline())["port"]
    return Process(popen, f"http://127.0.0.1:{port}")


async def _admin(server_url: str, sql: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def fresh_database(server_url: str, run: str) -> str:
    name = f"dispatcher_bench_{run}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    if os.environ.get("BENCH_PG_LOG"):
        await _admin(server_url, f'ALTER DATABASE "{name}" SET log_min_duration_statement = 0')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop the run's own database (no FORCE: all our connections are closed by now)."""
    name = make_url(database_url).database
    assert name and name.startswith("dispatcher_bench_"), name
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}"')


async def seed_log(database_url: str, *, rows: int, debtors: int, pin: datetime) -> None:
    """``rows`` texts sent over the 60 days before ``pin`` to debtors ``H-0`` … ``H-{n-1}``:
    at most about one each per week, so the caps count them and still allow one more."""
    engine = create_engine(database_url)
    per_debtor = max(1, rows // debtors)
    params = {"rows": rows, "debtors": debtors, "pin": pin, "step": 60 * 86400 / per_debtor}
    sql = """
        INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref, channel,
            template_name, template_version, locale, variables, destination, content,
            segments, requested_by, created_at, scheduled_for, valid_until, updated_at,
            status, attempts, attempted_at, provider, provider_message_id, result)
        SELECT lpad(upper(to_hex(n)), 26, '0'), 'seed:' || n, 'H-' || (n % :debtors),
            'A-' || (n % :debtors), 'sms', 'overdue_reminder', 'seed', 'zh-CN', '{}'::json,
            '+86138' || lpad((n % :debtors)::text, 8, '0'), 'seeded', 1, 'strategy', t, t,
            t + interval '3 days', t, 'delivered', 1, t, 'outbox', 'seed-' || n, 'sent'
        FROM (SELECT n, CAST(:pin AS timestamptz) - interval '1 hour'
                     - make_interval(secs => (n / :debtors) * :step) AS t
              FROM generate_series(0, :rows - 1) AS n) AS s
    """
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("ANALYZE messages"))
    finally:
        await engine.dispose()


def start_worker(
    database_url: str, redis_url: str, anchor: float, out: Path
) -> subprocess.Popen[str]:
    """A dispatcher worker process on the pinned clock (``bench_worker``), once it is ready."""
    args = [sys.executable, "-m", "benchmarks.bench_worker", "--kind", "dispatcher",
            "--redis-url", redis_url, "--out", str(out), "--database-url", database_url,
            "--pin", PIN.isoformat(), "--anchor", str(anchor)]  # fmt: skip
    popen = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert popen.stdout is not None
    if popen.stdout.readline().strip() != "ready":
        raise RuntimeError("worker did not start")
    return popen


@dataclass(frozen=True)
class WorkerRun:
    """A benchmark's own database, private Redis and dispatcher worker processes."""

    run_id: str
    database_url: str
    redis_url: str
    anchor: float  # the wall time the pinned clock reads PIN at
    workers: list[subprocess.Popen[str]]

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self.workers]

    def settings(self) -> Settings:
        return bench_settings(self.database_url, self.redis_url)

    def clock(self) -> ShiftedClock:
        return pinned_clock(PIN, self.anchor)


@asynccontextmanager
async def worker_run(postgres_url: str, name: str, *, workers: int) -> AsyncIterator[WorkerRun]:
    """Starts the run (its workers past their start-up sweep); drops only what it made."""
    run_id = uuid.uuid4().hex[:10]
    work_dir = Path(tempfile.mkdtemp(prefix=f"dispatcher-{name}-{run_id}-"))
    os.environ["BENCH_DATA_DIR"] = str(work_dir)
    database_url = await fresh_database(postgres_url, run_id)
    redis = private_redis(work_dir)
    run = WorkerRun(run_id, database_url, redis.url, time.time(), [])
    try:
        for n in range(workers):
            out = work_dir / f"counters-{n}.jsonl"
            run.workers.append(start_worker(database_url, redis.url, run.anchor, out))
        await asyncio.sleep(3)  # their start-up sweep done
        yield run
    finally:
        for worker in run.workers:
            worker.terminate()
        for worker in run.workers:
            worker.wait(30)
        redis.stop()
        await drop_database(postgres_url, database_url)
        shutil.rmtree(work_dir, ignore_errors=True)  # its data: a signing key, logs
