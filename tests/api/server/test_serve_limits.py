"""`dispatcher serve` bounds what a slow client can hold, and stops gracefully.

Idle keep-alive connections, half-sent request lines and headers, and stalled bodies are
closed after their bound while /healthz keeps answering; on SIGTERM a request in flight
is still answered (and its messages committed) before the process exits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.keys import Role, create_key
from dispatcher.settings import Settings
from tests.dispatcher.conftest import REMINDER, free_port
from tests.dispatcher.process.test_worker_resilience import sqlite_log
from tests.dispatcher.worker_processes import worker_environment

BOUND_S = 1.5  # HTTP_IDLE_TIMEOUT_S and HTTP_READ_TIMEOUT_S in these tests


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int
    settings: Settings
    log_file: Path

    def healthz(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
            return int(r.status)

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def server(tmp_path: Path, redis_url: str) -> AsyncIterator[Server]:
    port = free_port()
    settings = Settings.from_env(
        {}, data_dir=tmp_path, database_url=await sqlite_log(tmp_path), redis_url=redis_url,
        http_port=port, http_idle_timeout_s=BOUND_S, http_read_timeout_s=BOUND_S,
        http_stop_grace_s=10.0,
    )  # fmt: skip
    log_file = tmp_path / "serve.log"
    with log_file.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dispatcher", "serve", cwd=tmp_path,
            env=worker_environment(settings), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log,
        )  # fmt: skip
    started = Server(process, port, settings, log_file)
    try:
        await answering(started)
        yield started
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def answering(server: Server) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            await asyncio.to_thread(server.healthz)
            return
        except OSError:
            assert server.process.returncode is None, server.log_file.read_text()
            assert time.monotonic() < deadline, "the server did not answer"
            await asyncio.sleep(0.1)


async def closed_after(reader: asyncio.StreamReader, started: float) -> float:
    """Seconds from ``started`` until the server closed this connection."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


async def test_idle_and_half_sent_connections_are_closed_after_their_bound(
    server: Server,
) -> None:
    # Given 60 connections that hold the server: half-sent request lines and headers,
    # bodies that stall, and idle keep-alive connections after one answer
    opened = []
    for i in range(20):
        reader, writer = await server.open()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"GET /hea")
        opened.append((reader, writer))
    for _ in range(20):
        reader, writer = await server.open()
        writer.write(
            b"POST /webhooks/twilio/status/01ABCDEFGHJKMNPQRSTVWXYZ00 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"MessageStatus=deliv"
        )
        opened.append((reader, writer))
    for _ in range(20):
        reader, writer = await server.open()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        opened.append((reader, writer))
    started = time.monotonic()

    # When they send nothing more, the server still answers others
    assert await asyncio.to_thread(server.healthz) == 200

    # Then the server closes every one of them after the bound, not before
    waits = await asyncio.wait_for(
        asyncio.gather(*(closed_after(reader, started) for reader, _ in opened)), 10
    )
    assert BOUND_S / 2 < min(waits) and max(waits) < BOUND_S + 2.0
    assert await asyncio.to_thread(server.healthz) == 200
    for _, writer in opened:
        writer.close()
    assert "had not arrived" in server.log_file.read_text()


async def test_sigterm_answers_the_request_in_flight_then_exits(server: Server) -> None:
    created = await create_key(
        server.settings.effective_database_url, name="strategy-1", role=Role.STRATEGY,
        created_by="test",
    )  # fmt: skip
    batch = json.dumps(
        {"messages": [{**REMINDER, "debtor_ref": f"D-{i}", "idempotency_key": f"k-{i}"}
                      for i in range(20)]}
    ).encode()  # fmt: skip
    head = (
        f"POST /v1/messages/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {created.secret}\r\nContent-Length: {len(batch)}\r\n\r\n"
    ).encode()

    # Given a batch whose body is half-way through when the server is told to stop
    reader, writer = await server.open()
    writer.write(head + batch[: len(batch) // 2])
    await writer.drain()
    await asyncio.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.5)

    # When the rest of it arrives
    writer.write(batch[len(batch) // 2 :])
    await writer.drain()

    # Then it is answered, its messages are committed, and the server exits cleanly
    status_line = await asyncio.wait_for(reader.readline(), 10)
    assert status_line.startswith(b"HTTP/1.1 202"), status_line
    writer.close()
    assert await asyncio.wait_for(server.process.wait(), 15) == 0, server.log_file.read_text()
    engine = create_engine(server.settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one() == 20
    finally:
        await engine.dispose()
