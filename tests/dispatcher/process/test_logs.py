"""Logs: one JSON line per event, the message id where there is one, INFO by default,
no secret ever — a worker started as the CLI starts it, and the SDK's loggers at -v."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels.base import OutgoingMessage
from channels.twilio import TwilioSmsChannel
from dispatcher.client import DispatcherClient
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.process.logs import QUIET_LOGGERS, configure_logging
from dispatcher.process.startup_log import database_location, redis_location
from dispatcher.settings import Secret, Settings
from tests.dispatcher.conftest import free_port, reminder
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

MESSAGE_ID = "01JD0000000000000000000042"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The process's logging, configured as the CLI does, into a buffer; put back after."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    quiet = {name: logging.getLogger(name).level for name in (*QUIET_LOGGERS, "aiohttp.access")}
    buffer = io.StringIO()
    yield buffer
    for handler in [h for h in root.handlers if h not in saved[1]]:
        root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def parsed(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_standard_library_records_become_json_lines_with_the_message_id(
    log_lines: io.StringIO,
) -> None:
    configure_logging(False, "json", stream=log_lines)
    log = logging.getLogger("dispatcher.sending.pipeline")

    log.info("message %s quarantined after %d crashes", MESSAGE_ID, 3)
    log.debug("not shown at the default level")
    log.warning("callback for a message", extra={"message_id": MESSAGE_ID, "status": "late"})

    first, second = parsed(log_lines)
    assert first["event"] == f"message {MESSAGE_ID} quarantined after 3 crashes"
    assert (first["level"], first["logger"], first["message_id"]) == (
        "info", "dispatcher.sending.pipeline", MESSAGE_ID)  # fmt: skip
    assert first["timestamp"].endswith("Z")
    assert (second["message_id"], second["status"]) == (MESSAGE_ID, "late")


def test_secrets_are_masked_wherever_they_appear(log_lines: io.StringIO) -> None:
    configure_logging(False, "json", stream=log_lines)
    log = logging.getLogger("dispatcher.process.runtime")

    log.info("using redis://:hunter2@cache:6379/0", extra={"auth_token": "tok-123"})
    log.info("sent Authorization: Basic QUMxMjM6dG9rLTEyMw==")
    try:
        raise RuntimeError("postgresql://app:hunter2@db/collections is down")
    except RuntimeError:
        log.exception("database failed")

    text = log_lines.getvalue()
    assert "hunter2" not in text and "tok-123" not in text and "QUMxMjM6" not in text
    first, second, third = parsed(log_lines)
    assert first["event"] == "using redis://:***@cache:6379/0"
    assert first["auth_token"] == "***"
    assert second["event"] == "sent Authorization: Basic ***"
    assert "postgresql://app:***@db/collections is down" in third["exception"]


def test_start_up_locations_carry_no_password() -> None:
    assert redis_location("redis://:pw@10.0.0.7:6379/3") == "redis://10.0.0.7:6379/3"
    assert redis_location("redis://user:pw@h/0?password=pw&db=1") == "redis://h/0?db=1"
    assert redis_location("unix:///srv/redis.sock?db=0") == "unix:///srv/redis.sock?db=0"
    assert (
        database_location("postgresql+asyncpg://app:pw@db:5432/collections")
        == "postgresql+asyncpg://app@db:5432/collections"
    )


def test_the_console_format_is_for_a_person(log_lines: io.StringIO) -> None:
    configure_logging(True, "console", stream=log_lines)
    logging.getLogger("dispatcher.sweep").debug("sweep: %d re-enqueued", 2)
    line = log_lines.getvalue()
    assert "sweep: 2 re-enqueued" in line and "[dispatcher.sweep]" in line
    assert not line.startswith("{")


async def test_verbose_logs_never_show_the_sdk_s_requests(log_lines: io.StringIO) -> None:
    # -v: everything at DEBUG, but not the Twilio SDK's request dump (headers, parameters)
    configure_logging(True, "json", stream=log_lines)
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as twilio:
        channel = TwilioSmsChannel(
            TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=TEST_FROM_NUMBER,
            api_base_url=twilio.base_url,
        )  # fmt: skip
        try:
            await channel.send(OutgoingMessage(MESSAGE_ID, "+12015550123", "Hello"))
        finally:
            await channel.aclose()
    assert len(twilio.requests) == 1
    text = log_lines.getvalue()
    assert "Twilio API Request" not in text and "Authorization" not in text
    assert TEST_AUTH_TOKEN not in text
    parsed(log_lines)  # and what there is, is JSON


async def test_a_worker_started_from_the_cli_says_where_it_works(
    tmp_path: Path, redis_url: str
) -> None:
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, auto_callbacks=True) as twilio:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "LOG_"))},
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'log.sqlite'}",
            "REDIS_URL": redis_url,
            "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": TEST_FROM_NUMBER,
            "TWILIO_API_BASE_URL": twilio.base_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
        }
        message_id = await _one_message_queued(env)

        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dispatcher", "worker", "--burst", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(worker.communicate(), timeout=120)

    assert worker.returncode == 0, err.decode()
    lines = [json.loads(line) for line in err.decode().splitlines()]  # each line is JSON
    [started] = [line for line in lines if line["event"] == "worker started"]
    assert started["level"] == "info"
    assert started["queue"] == "arq:queue"
    assert started["redis"] == redis_url
    assert started["database"] == env["DATABASE_URL"]
    assert started["channels"] == {
        "sms": "twilio", "voice": "twilio", "letter": "outbox", "visit": "visit"}  # fmt: skip
    about_the_message = [line for line in lines if line.get("message_id") == message_id]
    assert about_the_message, err.decode()
    assert TEST_AUTH_TOKEN.encode() not in out + err


async def _one_message_queued(env: dict[str, str]) -> str:
    settings = Settings.from_env(
        {}, database_url=env["DATABASE_URL"], redis_url=env["REDIS_URL"],
        twilio_account_sid=TEST_ACCOUNT_SID, twilio_auth_token=Secret(TEST_AUTH_TOKEN),
        twilio_from_number=TEST_FROM_NUMBER,
    )  # fmt: skip
    engine = create_engine(settings.effective_database_url)
    await upgrade(engine)
    await engine.dispose()
    async with await DispatcherClient.connect(settings, redis_url=env["REDIS_URL"]) as client:
        return (await client.send(reminder())).message_id
