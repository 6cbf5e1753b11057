"""OutboxChannel: messages as JSON lines in a local file."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from channels.base import DeliveryStatus, OutgoingMessage, Receipt, TransientChannelError
from channels.outbox import OutboxChannel, read_outbox

AT = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def message(n: int = 1, body: str = "您的账单已逾期。") -> OutgoingMessage:
    return OutgoingMessage(f"m-{n}", "+8613800138000", body, f"http://cb/{n}")


async def test_send_appends_a_line_and_returns_a_receipt(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "outbox.jsonl"
    channel = OutboxChannel(path, now=lambda: AT)

    receipt = await channel.send(message())

    assert receipt == Receipt("outbox", "outbox-m-1", DeliveryStatus.ACCEPTED)
    assert channel.provider == "outbox"
    assert read_outbox(path) == [
        {
            "message_id": "m-1",
            "destination": "+8613800138000",
            "body": "您的账单已逾期。",
            "status_callback_url": "http://cb/1",
            "written_at": "2026-03-01T01:30:00+00:00",
        }
    ]
    assert path.stat().st_mode & 0o777 == 0o600


async def test_written_at_is_utc_now_by_default(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    before = datetime.now(UTC)

    await OutboxChannel(path).send(message())

    written = datetime.fromisoformat(read_outbox(path)[0]["written_at"])
    assert written.utcoffset() == timedelta(0)
    assert before <= written <= datetime.now(UTC)


async def test_awkward_bodies_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    bodies = ["line one\nline two", "para\u2028sep", 'quotes " and \\ backslash', "\r\n"]
    channel = OutboxChannel(path)

    for n, body in enumerate(bodies):
        await channel.send(message(n, body))

    assert [r["body"] for r in read_outbox(path)] == bodies
    assert len(path.read_bytes().split(b"\n")) == len(bodies) + 1


async def test_concurrent_sends_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    channels = [OutboxChannel(path) for _ in range(4)]  # as if from several workers
    big = "x" * 20_000  # well past one pipe buffer / page

    receipts = await asyncio.gather(
        *(channels[n % 4].send(message(n, f"{n}:{big}")) for n in range(200))
    )

    records = read_outbox(path)  # raises if any line is torn or interleaved
    assert sorted(r["message_id"] for r in records) == sorted(f"m-{n}" for n in range(200))
    assert all(r["body"] == f"{r['message_id'][2:]}:{big}" for r in records)
    assert {r.provider_message_id for r in receipts} == {f"outbox-m-{n}" for n in range(200)}


async def test_concurrent_processes_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from channels.base import OutgoingMessage\n"
        "from channels.outbox import OutboxChannel\n"
        "async def main(worker):\n"
        "    channel = OutboxChannel(Path(sys.argv[1]))\n"
        "    await asyncio.gather(*(channel.send(OutgoingMessage(\n"
        "        f'w{worker}-{n}', '+8613800138000', str(worker) * 9000)) for n in range(50)))\n"
        "asyncio.run(main(int(sys.argv[2])))\n"
    )
    repo_root = Path(__file__).parents[2]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, str(path), str(w), cwd=repo_root
        )
        for w in range(4)
    ]

    assert [await worker.wait() for worker in workers] == [0, 0, 0, 0]
    records = read_outbox(path)
    assert len(records) == 200
    assert all(r["body"] == r["message_id"][1] * 9000 for r in records)


def test_reading_a_missing_outbox_gives_nothing(tmp_path: Path) -> None:
    assert read_outbox(tmp_path / "none.jsonl") == []


def test_reading_a_torn_line_names_it(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    path.write_text(json.dumps({"message_id": "m-1"}) + "\n" + '{"message_id": "m-', "utf-8")

    with pytest.raises(ValueError, match=r"outbox.jsonl:2"):
        read_outbox(path)


async def test_unwritable_outbox_is_a_transient_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    channel = OutboxChannel(blocker / "outbox.jsonl")

    with pytest.raises(TransientChannelError) as caught:
        await channel.send(message())

    assert caught.value.code == "outbox_io"
    await channel.aclose()
