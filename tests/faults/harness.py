"""One trial's world: a fresh contact log on the private PostgreSQL, the private Redis
flushed, a fake provider process of its own, ``dispatcher serve`` and workers, a client.

    async with open_trial(servers, "kills", work_dir) as trial:
        accepted = await trial.enqueue(texts(trial.run, 1000))
        ...                                  # faults: trial.kill(...), servers.redis.restart()
        await trial.settle(timeout_s=60)
        report = await trial.check()         # the invariants, for every message
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.client import DispatcherClient
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.store import Accepted
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.settings import Settings
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER
from tests.faults.checker import TrialReport, check_trial, read_log
from tests.faults.dispatcher_processes import DispatcherProcesses, Started
from tests.faults.provider import ProviderProcess
from tests.faults.servers import PrivatePostgres, PrivateRedis, free_port
from tests.faults.workload import daytime_zone, record_debtors

__all__ = [
    "BASE_DATABASE",
    "FAST_SETTINGS",
    "PrivateServers",
    "Trial",
    "World",
    "attach",
    "open_trial",
    "start_world",
]

BASE_DATABASE = "dispatcher_base"  # migrated once; each trial's log is a copy of it
# Short intervals, so that what the sweep and retries do happens within a trial.
FAST_SETTINGS = {
    "SEND_MAX_TRIES": "5",
    "RETRY_BACKOFF_S": "0.2",
    "SWEEP_INTERVAL_S": "1",
    "SWEEP_GRACE_S": "2",
    "SENDING_TIMEOUT_S": "4",
    "PROVIDER_LOOKUP_AFTER_S": "3",
    "DELIVERY_CHECK_AFTER_S": "6",
    "WORKER_STOP_GRACE_S": "5",
    "LETTER_PROVIDER": "outbox",
}
STATUS_COUNTS = "SELECT status, count(*), max(updated_at) FROM messages GROUP BY status"
UNSETTLED = ("queued", "deferred", "sending")


@dataclass
class PrivateServers:
    postgres: PrivatePostgres
    redis: PrivateRedis


@dataclass
class World:
    """A trial's processes and its own contact log: they run whether a test watches or not."""

    name: str
    run: str  # a prefix unique to this trial: debtor refs, idempotency keys
    servers: PrivateServers
    env: dict[str, str]
    provider: ProviderProcess
    processes: DispatcherProcesses

    def stop(self) -> None:
        self.processes.stop_all()
        self.provider.stop()


@dataclass
class Trial:
    """A world, seen and driven from a test's event loop (the client, the log's engine)."""

    world: World
    client: DispatcherClient
    engine: AsyncEngine
    zone: str = field(default_factory=daytime_zone)

    @property
    def name(self) -> str:
        return self.world.name

    @property
    def run(self) -> str:
        return self.world.run

    @property
    def provider(self) -> ProviderProcess:
        return self.world.provider

    @property
    def processes(self) -> DispatcherProcesses:
        return self.world.processes

    @property
    def settings(self) -> Settings:
        return self.client.settings

    # -- workload ----------------------------------------------------------------------

    async def enqueue(self, requests: Sequence[MessageRequest], batch: int = 500) -> list[Accepted]:
        """Put the debtors on record (in a daytime zone), then send the batch in parts."""
        await record_debtors(self.client.log, [r.debtor_ref for r in requests], self.zone)
        accepted: list[Accepted] = []
        for start in range(0, len(requests), batch):
            accepted += await self.client.send_many(requests[start : start + batch])
        return accepted

    # -- processes ---------------------------------------------------------------------

    def start_workers(self, count: int = 2) -> list[Started]:
        return [self.processes.worker() for _ in range(count)]

    def kill(self, started: Started) -> None:
        self.processes.kill(started)

    def kill_workers(self, *, restart: int = 2) -> None:
        """SIGKILL every running worker, then start ``restart`` new ones."""
        for started in self.processes.running_workers():
            self.processes.kill(started)
        self.start_workers(restart)

    @property
    def kills(self) -> int:
        return sum(1 for s in self.processes.started if s.killed)

    # -- settling and checking ---------------------------------------------------------

    async def status_counts(self) -> dict[str, int]:
        return {status: count for status, count, _ in await self._status_rows()}

    async def _status_rows(self) -> list[tuple[str, int, str]]:
        """Status, count and latest change; retried while the trial restarts PostgreSQL."""
        for _ in range(60):
            try:
                async with self.engine.connect() as conn:
                    rows = (await conn.execute(text(STATUS_COUNTS))).all()
                return [(r[0], int(r[1]), str(r[2])) for r in rows]
            except (DBAPIError, OSError):
                await asyncio.sleep(0.5)
        raise AssertionError(f"{self.name}: the contact log did not answer for 30 s")

    async def wait_until(
        self,
        what: str,
        done: Callable[[dict[str, int]], bool],
        *,
        timeout_s: float = 30.0,
        required: bool = True,
    ) -> dict[str, int]:
        """Poll the status counts until ``done(counts)``. After ``timeout_s``: fail, or
        (``required=False``) go on, and let the check say what went wrong."""
        deadline = time.monotonic() + timeout_s
        while True:
            counts = await self.status_counts()
            if done(counts):
                return counts
            if not required and not self.processes.running_workers():
                return counts  # nothing will move: the check says why
            if time.monotonic() > deadline:
                if not required:
                    return counts
                raise AssertionError(f"{self.name}: never {what} within {timeout_s} s: {counts}")
            await asyncio.sleep(0.1)

    async def all_in_flight(
        self, done: Callable[[dict[str, int]], bool], *, hold_s: float
    ) -> dict[str, int]:
        """Wait for the first send (workers may still be starting), then until ``done``
        within the provider's hold, so that a kill finds every send in flight."""
        await self.wait_until("a first send", lambda c: "sending" in c, timeout_s=60)
        return await self.wait_until("all in flight", done, timeout_s=hold_s - 1)

    async def settle(
        self, *, timeout_s: float, quiet_s: float = 5.0, unknown_quiet_s: float | None = None
    ) -> dict[str, int]:
        """Wait until nothing is queued, deferred or sending, and the log has been still
        for ``quiet_s`` — or for ``unknown_quiet_s`` while a send is ``unknown`` (a lookup
        or a callback may yet settle it). Returns the last status counts; the check says
        what was left unsettled."""
        deadline = time.monotonic() + timeout_s
        last, still_since = None, time.monotonic()
        while time.monotonic() < deadline:
            rows = await self._status_rows()
            snapshot = tuple(sorted(rows))
            if snapshot != last:
                last, still_since = snapshot, time.monotonic()
            statuses = {r[0] for r in rows}
            needed = quiet_s
            if "unknown" in statuses and unknown_quiet_s is not None:
                needed = unknown_quiet_s
            if not statuses & set(UNSETTLED) and time.monotonic() - still_since >= needed:
                break
            if not self.processes.running_workers():
                break  # nothing will settle: the check says why
            await asyncio.sleep(0.5)
        return {status: count for status, count, _ in last or ()}

    async def finish(
        self, summaries: list[str], *, settle_s: float, unknown_quiet_s: float | None = None
    ) -> TrialReport:
        """Settle, check every message, print the summary; fail on any broken invariant."""
        await self.settle(timeout_s=settle_s, unknown_quiet_s=unknown_quiet_s)
        report = await self.check()
        summaries.append(report.summary())
        print(report.summary())
        failures = report.failures()
        assert not failures, report.summary() + "\n" + "\n".join(failures)
        return report

    async def check(self) -> TrialReport:
        report = check_trial(
            self.name,
            await read_log(self.engine),
            await self.provider.records(),
            send_max_tries=self.settings.send_max_tries,
            kills=self.kills,
            dead_workers=[s.name for s in self.processes.died_unexpectedly()],
        )
        for started in self.processes.died_unexpectedly():
            report.details[started.name] = self.processes.log_tail(started)
        return report


def trial_env(
    servers: PrivateServers, database: str, provider_url: str, work_dir: Path
) -> dict[str, str]:
    port = free_port()
    return {
        **FAST_SETTINGS,
        "DATABASE_URL": servers.postgres.url(database),
        "REDIS_URL": servers.redis.url,
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TEST_FROM_NUMBER,
        "TWILIO_API_BASE_URL": provider_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DISPATCHER_DATA_DIR": str(work_dir / "data"),
    }


def start_world(
    servers: PrivateServers,
    name: str,
    work_dir: Path,
    *,
    settings: dict[str, str] | None = None,
    serve: bool = True,
    workers: int = 2,
) -> World:
    """A fresh contact log, Redis flushed, a provider, ``serve`` and workers, all running."""
    run = f"{name}-{uuid.uuid4().hex[:6]}"
    database = f"trial_{run.replace('-', '_')}"
    if not servers.redis.answers():
        servers.redis.start()
    servers.redis.flushall()
    servers.postgres.psql(f'CREATE DATABASE "{database}" TEMPLATE {BASE_DATABASE}')
    provider = ProviderProcess(work_dir / "provider.log")
    env = {**trial_env(servers, database, provider.base_url, work_dir), **(settings or {})}
    world = World(name, run, servers, env, provider, DispatcherProcesses(env, work_dir))
    try:
        if serve:
            world.processes.serve()
        for _ in range(workers):
            world.processes.worker()
    except BaseException:
        world.stop()
        raise
    return world


@asynccontextmanager
async def attach(world: World) -> AsyncIterator[Trial]:
    """A client and an engine on ``world``, for as long as the block runs."""
    engine = create_engine(world.env["DATABASE_URL"], pool_size=2)
    client = await DispatcherClient.connect(
        Settings.from_env(world.env), redis_url=world.env["REDIS_URL"]
    )
    try:
        yield Trial(world, client, engine)
    finally:
        await client.aclose()
        await world.provider.close_session()
        await engine.dispose()


@asynccontextmanager
async def open_trial(
    servers: PrivateServers,
    name: str,
    work_dir: Path,
    *,
    settings: dict[str, str] | None = None,
    serve: bool = True,
    workers: int = 2,
) -> AsyncIterator[Trial]:
    """A fresh world for one trial; everything it started is stopped on the way out."""
    world = start_world(servers, name, work_dir, settings=settings, serve=serve, workers=workers)
    try:
        async with attach(world) as trial:
            yield trial
    finally:
        world.stop()
