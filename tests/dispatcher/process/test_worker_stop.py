"""`dispatcher worker` stops when asked: --burst once nothing is due, and on SIGTERM only
after the sends in flight have finished and been recorded."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from dispatcher.client import DispatcherClient
from dispatcher.clock import SystemClock
from dispatcher.domain import MessageStatus
from tests.dispatcher.conftest import stack_settings
from tests.dispatcher.process.test_worker_resilience import all_sent, sqlite_log, until
from tests.dispatcher.worker_processes import daytime_reminder, spawn_worker, stop
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN


async def test_burst_on_an_empty_queue_exits_at_once(tmp_path: Path, redis_url: str) -> None:
    settings = stack_settings(tmp_path, await sqlite_log(tmp_path), redis_url)
    started = time.monotonic()

    worker = await spawn_worker(settings, tmp_path, "--burst")
    try:
        assert await asyncio.wait_for(worker.wait(), 20) == 0, (tmp_path / "worker.log").read_text()
    finally:
        await stop(worker)

    assert time.monotonic() - started < 8
    assert "already running elsewhere" not in (tmp_path / "worker.log").read_text()


async def test_burst_sends_what_is_queued_then_exits(tmp_path: Path, redis_url: str) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        settings = stack_settings(
            tmp_path, await sqlite_log(tmp_path), redis_url, twilio_api_base_url=fake.base_url
        )
        async with await DispatcherClient.connect(
            settings, redis_url=redis_url, clock=SystemClock()
        ) as client:
            ids = [(await client.send(daytime_reminder(f"D-{i}"))).message_id for i in range(5)]

            worker = await spawn_worker(settings, tmp_path, "--burst")
            try:
                assert await asyncio.wait_for(worker.wait(), 20) == 0
            finally:
                await stop(worker)

            assert await all_sent(client, ids)()
            assert len(fake.requests) == 5


async def test_sigterm_lets_the_sends_in_flight_finish(tmp_path: Path, redis_url: str) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        # Given a provider that takes 3 s to answer each of 8 sends
        for _ in range(8):
            fake.respond_next(201, delay_s=3.0)
        settings = stack_settings(
            tmp_path, await sqlite_log(tmp_path), redis_url, twilio_api_base_url=fake.base_url,
            worker_stop_grace_s=10.0,
        )  # fmt: skip
        async with await DispatcherClient.connect(
            settings, redis_url=redis_url, clock=SystemClock()
        ) as client:
            worker = await spawn_worker(settings, tmp_path)
            try:
                ids = [(await client.send(daytime_reminder(f"D-{i}"))).message_id for i in range(8)]

                async def all_at_the_provider() -> bool:
                    return len(fake.requests) == 8

                await until(all_at_the_provider, within_s=20, what="8 sends in flight")

                # When the worker is stopped while the provider has not answered yet
                stopped_at = time.monotonic()
                worker.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(worker.wait(), 15)
            finally:
                await stop(worker)

            # Then it waited for the answers, recorded them, and exited cleanly within the grace
            assert code == 0, (tmp_path / "worker.log").read_text()
            assert 2.0 < time.monotonic() - stopped_at < 10.0
            statuses = [(await client.log.get(i)).status for i in ids]
            assert statuses == [MessageStatus.SENT] * 8
            assert len(fake.messages) == 8


async def test_a_job_still_running_after_the_grace_is_cancelled(
    tmp_path: Path, redis_url: str
) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        fake.respond_next(201, delay_s=5.0)
        settings = stack_settings(
            tmp_path, await sqlite_log(tmp_path), redis_url, twilio_api_base_url=fake.base_url,
            worker_stop_grace_s=1.0,
        )  # fmt: skip
        async with await DispatcherClient.connect(
            settings, redis_url=redis_url, clock=SystemClock()
        ) as client:
            worker = await spawn_worker(settings, tmp_path)
            try:
                await client.send(daytime_reminder("D-1"))

                async def at_the_provider() -> bool:
                    return len(fake.requests) == 1

                await until(at_the_provider, within_s=20, what="the send in flight")
                stopped_at = time.monotonic()
                worker.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(worker.wait(), 10)
            finally:
                await stop(worker)

            # The stop is bounded: the grace, not the provider, decides when the worker exits
            assert code == 0, (tmp_path / "worker.log").read_text()
            assert time.monotonic() - stopped_at < 4.0
