"""A worker stays up: through a Redis restart (as a task and as a `dispatcher worker`
process), and through PostgreSQL connections dying under it."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from dispatcher.client import DispatcherClient
from dispatcher.clock import Clock, ShiftedClock, SystemClock
from dispatcher.contactlog.database import PING_IF_IDLE_S, create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.domain import MessageStatus
from dispatcher.process.redis_outage import REDIS_DOWN
from dispatcher.process.worker import DispatcherWorker, create_worker
from dispatcher.settings import Settings
from tests.dispatcher.conftest import ALLOWED_EVERYWHERE, reminder, stack_settings
from tests.dispatcher.worker_processes import daytime_reminder, spawn_worker, stop
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.faults.servers import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    (tmp_path / "redis").mkdir()
    server = PrivateRedis.start_in(tmp_path / "redis")
    yield server
    server.stop()


async def sqlite_log(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'contact-log.sqlite'}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


async def until(check: Callable[[], Awaitable[bool]], *, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not await check():
        assert time.monotonic() < deadline, f"not within {within_s} s: {what}"
        await asyncio.sleep(0.05)


def all_sent(client: DispatcherClient, ids: list[str]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        statuses = [(await client.log.get(i)).status for i in ids]
        return all(s == MessageStatus.SENT for s in statuses)

    return check


def worker_settings(
    tmp_path: Path, database_url: str, redis_url: str, fake: FakeTwilio
) -> Settings:
    # A sweep every second with no grace: a send the client could not enqueue (its Redis
    # connection died with the restart) is enqueued by the worker's sweep at once.
    return stack_settings(
        tmp_path, database_url, redis_url, twilio_api_base_url=fake.base_url,
        sweep_interval_s=1.0, sweep_grace_s=0.0,
    )  # fmt: skip


def running_worker(settings: Settings, clock: Clock) -> tuple[DispatcherWorker, asyncio.Task[None]]:
    worker = create_worker(
        settings, redis_url=settings.redis_url or "", clock=clock, poll_delay=0.01,
        handle_signals=False,
    )  # fmt: skip
    return worker, asyncio.create_task(worker.run_until_stopped())


async def test_a_worker_rides_out_a_redis_restart(
    tmp_path: Path, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dispatcher.process.worker")
    clock = ShiftedClock(ALLOWED_EVERYWHERE)
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = worker_settings(tmp_path, await sqlite_log(tmp_path), private_redis.url, fake)
        client = await DispatcherClient.connect(settings, redis_url=private_redis.url, clock=clock)
        worker, running = running_worker(settings, clock)
        try:
            first = (await client.send(reminder(debtor_ref="D-0"))).message_id
            await until(all_sent(client, [first]), within_s=10, what="sent before the restart")

            fake.respond_next(201, delay_s=1.0)  # a send still in flight when Redis goes
            in_flight = (await client.send(reminder(debtor_ref="D-9"))).message_id

            async def at_the_provider() -> bool:
                return len(fake.requests) == 2

            await until(at_the_provider, within_s=10, what="the second send in flight")

            # When Redis goes away for a while, and comes back empty
            private_redis.stop()
            await asyncio.sleep(1.5)
            assert not running.done(), "the worker ended with Redis"
            assert "Redis is unreachable" in caplog.text
            private_redis.start()
            after = [
                (await client.send(reminder(debtor_ref=f"D-{i}"))).message_id for i in (1, 2, 3)
            ]

            # Then the worker carries on: what is sent after the restart goes out, and the
            # send that was in flight is recorded as sent, once
            await until(all_sent(client, after), within_s=15, what="sent after the restart")
            assert await all_sent(client, [in_flight])()
            assert not running.done()
            assert "Redis is reachable again after" in caplog.text
            assert len(fake.requests) == 5
        finally:
            worker.handle_sig_wait_for_completion(signal.SIGTERM)
            await asyncio.wait_for(running, 10)
            await client.aclose()


async def test_a_worker_started_before_redis_waits_for_it(
    tmp_path: Path, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ShiftedClock(ALLOWED_EVERYWHERE)
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = worker_settings(tmp_path, await sqlite_log(tmp_path), private_redis.url, fake)
        private_redis.stop()
        worker, running = running_worker(settings, clock)
        try:
            # A job Redis failed to start is not counted as running (else, after a few
            # outages, the worker would think itself full and pick nothing any more)
            with pytest.raises(REDIS_DOWN):
                await worker.start_jobs([b"a-job"])
            assert worker.job_counter == 0

            await asyncio.sleep(1.0)
            assert not running.done()
            assert "Redis is unreachable" in caplog.text
            private_redis.start()
            async with await DispatcherClient.connect(
                settings, redis_url=private_redis.url, clock=clock
            ) as client:
                sent = (await client.send(reminder())).message_id
                await until(all_sent(client, [sent]), within_s=10, what="sent once Redis is up")
        finally:
            worker.handle_sig_wait_for_completion(signal.SIGTERM)
            await asyncio.wait_for(running, 10)


async def test_a_worker_process_rides_out_a_redis_restart(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = worker_settings(tmp_path, await sqlite_log(tmp_path), private_redis.url, fake)
        client = await DispatcherClient.connect(
            settings, redis_url=private_redis.url, clock=SystemClock()
        )
        worker = await spawn_worker(settings, tmp_path)
        try:
            first = (await client.send(daytime_reminder("D-0"))).message_id
            await until(all_sent(client, [first]), within_s=20, what="sent before the restart")

            private_redis.stop()
            await asyncio.sleep(2.0)
            assert worker.returncode is None, (tmp_path / "worker.log").read_text()
            private_redis.start()
            after = [(await client.send(daytime_reminder(f"D-{i}"))).message_id for i in (1, 2)]

            await until(all_sent(client, after), within_s=15, what="sent after the restart")
            assert worker.returncode is None
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(worker.wait(), 15) == 0
            assert "Redis is unreachable" in (tmp_path / "worker.log").read_text()
        finally:
            await stop(worker)
            await client.aclose()


@pytest.mark.postgres
async def test_a_worker_reconnects_when_postgresql_cuts_its_connections(
    tmp_path: Path, postgres_database: str, redis_url: str
) -> None:
    # Given a worker whose pooled connections PostgreSQL has cut (as a restart does)
    engine = create_engine(postgres_database)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE messages, message_events, debtors CASCADE"))
    clock = ShiftedClock(ALLOWED_EVERYWHERE)
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = stack_settings(  # no sweep but at start: nothing else meets the cut first
            tmp_path, postgres_database, redis_url, twilio_api_base_url=fake.base_url,
            sweep_interval_s=60.0,
        )  # fmt: skip
        client = await DispatcherClient.connect(settings, redis_url=redis_url, clock=clock)
        worker, running = running_worker(settings, clock)
        try:
            first = (await client.send(reminder(debtor_ref="D-0"))).message_id
            await until(all_sent(client, [first]), within_s=10, what="sent before the cut")
            async with engine.connect() as conn:  # only our own database's connections
                cut = await conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ))  # fmt: skip
                assert cut.scalar_one() >= 1
            await asyncio.sleep(PING_IF_IDLE_S + 0.2)  # a restart takes longer than this

            # When the next message comes
            second = (await client.send(reminder(debtor_ref="D-1"))).message_id

            # Then it is sent at once: no crash, no deferral, no wait for the sweep
            await until(all_sent(client, [second]), within_s=10, what="sent after the cut")
            events = await client.log.events(second)
            assert [e.status for e in events if e.status] == ["queued", "sending", "sent"]
            assert not any("job_crash" in e.detail for e in events)
        finally:
            worker.handle_sig_wait_for_completion(signal.SIGTERM)
            await asyncio.wait_for(running, 10)
            await client.aclose()
            await engine.dispose()


@pytest.mark.postgres
async def test_a_job_that_met_a_database_outage_is_not_lost(
    tmp_path: Path, postgres_database: str, redis_url: str
) -> None:
    engine = create_engine(postgres_database)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE messages, message_events, debtors CASCADE"))
    name = make_url(postgres_database).database
    admin = create_engine(
        make_url(postgres_database).set(database="postgres").render_as_string(False),
        isolation_level="AUTOCOMMIT",
    )
    clock = ShiftedClock(ALLOWED_EVERYWHERE)
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = worker_settings(tmp_path, postgres_database, redis_url, fake)
        client = await DispatcherClient.connect(settings, redis_url=redis_url, clock=clock)
        worker, running = running_worker(settings, clock)
        try:
            # Given a message due in a moment, and a database that then refuses every
            # connection (as while it restarts) when its job runs
            due = clock.now() + timedelta(seconds=1)
            message_id = (await client.send(reminder(send_after=due))).message_id
            async with admin.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                await conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}'"
                ))  # fmt: skip
            await asyncio.sleep(2.5)
            assert not running.done()

            # When the database is back
            async with admin.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

            # Then the message is still there to send, and the sweep sends it, once
            await until(all_sent(client, [message_id]), within_s=10, what="sent after the outage")
            assert len(fake.requests) == 1
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            worker.handle_sig_wait_for_completion(signal.SIGTERM)
            await asyncio.wait_for(running, 10)
            await client.aclose()
            await engine.dispose()
            await admin.dispose()
