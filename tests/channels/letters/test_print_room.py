"""The print-room batch: files, manifest rows, idempotency, and many writers at once."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import DeliveryStatus, PermanentChannelError
from channels.letters import OutgoingLetter, PageSize, PrintRoomBatch, RenderedPdf, read_manifest
from channels.letters.print_room import MANIFEST_COLUMNS
from tests.channels.letters.conftest import us_letter

NOW = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)


def fixed_now() -> datetime:
    return NOW


def batch(root: Path) -> PrintRoomBatch:
    return PrintRoomBatch(root, now=fixed_now)


def chinese_letter(pdf: RenderedPdf, message_id: str) -> OutgoingLetter:
    return OutgoingLetter(
        message_id=message_id,
        recipient_name="王伟",
        address_lines=("200031", "上海市徐汇区衡山路88弄6号302室"),
        country="CN",
        pdf=pdf.pdf,
        pages=pdf.pages,
        idempotency_key=f"letter:{message_id}",
    )


def day_folder(root: Path) -> Path:
    return root / "2026-11-28"


async def test_each_letter_is_a_pdf_and_a_manifest_row(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    printer = batch(tmp_path)
    letters = [us_letter(sample_pdf, "MSG-1"), chinese_letter(sample_pdf, "MSG-2")]

    receipts = [await printer.send(letter) for letter in letters]

    folder = day_folder(tmp_path)
    assert [r.provider_message_id for r in receipts] == [
        "2026-11-28/MSG-1.pdf",
        "2026-11-28/MSG-2.pdf",
    ]
    assert all(r.status is DeliveryStatus.ACCEPTED for r in receipts)
    sha256 = hashlib.sha256(sample_pdf.pdf).hexdigest()
    assert (folder / "MSG-1.pdf").read_bytes() == sample_pdf.pdf
    header = (folder / "manifest.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(MANIFEST_COLUMNS)
    rows = read_manifest(folder)
    assert [row["message_id"] for row in rows] == ["MSG-1", "MSG-2"]
    assert rows[0] | {"written_at": ""} == {
        "message_id": "MSG-1", "recipient": "Maria Q. Sample",
        "address_1": "1234 Elm Street, Apt 5B", "address_2": "Springfield, IL 62704",
        "address_3": "", "address_4": "", "address_5": "", "address_6": "",
        "country": "US", "pages": "2", "file": "MSG-1.pdf", "sha256": sha256, "written_at": "",
    }  # fmt: skip
    assert rows[0]["written_at"] == "2026-11-28T14:30:00+00:00"
    assert (rows[1]["recipient"], rows[1]["address_2"]) == (
        "王伟",
        "上海市徐汇区衡山路88弄6号302室",
    )
    assert receipts[0].detail == {"batch": "2026-11-28", "sha256": sha256}


async def test_files_hold_debtor_data_and_are_not_world_readable(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    await batch(tmp_path).send(us_letter(sample_pdf, "MSG-1"))
    for name in ("MSG-1.pdf", "manifest.csv"):
        mode = (day_folder(tmp_path) / name).stat().st_mode
        assert not mode & stat.S_IROTH, name


async def test_the_same_key_twice_gives_one_row(tmp_path: Path, sample_pdf: RenderedPdf) -> None:
    printer = batch(tmp_path)
    letter = us_letter(sample_pdf, "MSG-1")

    first = await printer.send(letter)
    again = await printer.send(letter)

    assert again == first
    assert len(read_manifest(day_folder(tmp_path))) == 1


async def test_a_crash_after_the_row_is_settled_without_a_second_row(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    printer = batch(tmp_path)
    letter = us_letter(sample_pdf, "MSG-1")
    await printer.send(letter)
    # As if the worker died after appending the row, before marking the key done.
    [marker] = (day_folder(tmp_path) / ".sent").iterdir()
    marker.write_bytes(b"pending\n")

    await printer.send(letter)

    assert len(read_manifest(day_folder(tmp_path))) == 1
    assert marker.read_bytes() == b"done\n"


async def test_a_crash_before_the_row_is_completed_on_retry(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    printer = batch(tmp_path)
    await printer.send(us_letter(sample_pdf, "MSG-0"))
    letter = us_letter(sample_pdf, "MSG-1")
    # As if the worker died after marking the key pending, before the row.
    key_hash = hashlib.sha256(letter.idempotency_key.encode()).hexdigest()
    (day_folder(tmp_path) / ".sent" / key_hash).write_bytes(b"pending\n")

    await printer.send(letter)

    assert [row["message_id"] for row in read_manifest(day_folder(tmp_path))] == ["MSG-0", "MSG-1"]


async def test_each_day_has_its_own_batch(tmp_path: Path, sample_pdf: RenderedPdf) -> None:
    days = iter(
        [datetime(2026, 11, 28, 23, 59, tzinfo=UTC), datetime(2026, 11, 29, 0, 1, tzinfo=UTC)]
    )
    printer = PrintRoomBatch(tmp_path, now=lambda: next(days))
    await printer.send(us_letter(sample_pdf, "MSG-1"))
    await printer.send(us_letter(sample_pdf, "MSG-2"))
    assert [r["message_id"] for r in read_manifest(tmp_path / "2026-11-28")] == ["MSG-1"]
    assert [r["message_id"] for r in read_manifest(tmp_path / "2026-11-29")] == ["MSG-2"]


async def test_unsafe_ids_and_long_addresses_are_refused(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    printer = batch(tmp_path)
    with pytest.raises(PermanentChannelError, match="bad_message_id"):
        await printer.send(us_letter(sample_pdf, "../../etc/passwd"))
    too_long = us_letter(sample_pdf, "MSG-1", address_lines=tuple(f"line {n}" for n in range(7)))
    with pytest.raises(PermanentChannelError, match="address_too_long"):
        await printer.send(too_long)


async def test_many_concurrent_sends_in_one_process(
    tmp_path: Path, sample_pdf: RenderedPdf
) -> None:
    printer = batch(tmp_path)
    letters = [us_letter(sample_pdf, f"MSG-{n:03d}") for n in range(40)]

    # Every letter twice, all at once: 80 sends racing for the same manifest.
    await asyncio.gather(*(printer.send(letter) for letter in letters + letters))

    assert_complete(day_folder(tmp_path), {letter.message_id for letter in letters}, sample_pdf)


def send_in_subprocess(root: str, pdf: bytes, pages: int, message_ids: list[str]) -> None:
    rendered = RenderedPdf(pdf, pages, PageSize.LETTER)

    async def run() -> None:
        printer = batch(Path(root))
        await asyncio.gather(*(printer.send(us_letter(rendered, m)) for m in message_ids))

    asyncio.run(run())


def test_many_processes_share_one_manifest(tmp_path: Path, sample_pdf: RenderedPdf) -> None:
    ids = [f"MSG-{n:03d}" for n in range(60)]
    # Four processes, overlapping: each id is sent by two different processes.
    shares = [ids[0:30], ids[15:45], ids[30:60], ids[0:15] + ids[45:60]]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        futures = [
            pool.submit(send_in_subprocess, str(tmp_path), sample_pdf.pdf, sample_pdf.pages, share)
            for share in shares
        ]
        for future in futures:
            future.result(timeout=60)

    assert_complete(day_folder(tmp_path), set(ids), sample_pdf)


def assert_complete(folder: Path, message_ids: set[str], pdf: RenderedPdf) -> None:
    rows = read_manifest(folder)
    assert sorted(row["message_id"] for row in rows) == sorted(message_ids)  # once each
    raw = (folder / "manifest.csv").read_bytes()
    assert raw.count(b"\r\n") == len(message_ids) + 1  # whole rows only, plus the header
    sha256 = hashlib.sha256(pdf.pdf).hexdigest()
    for row in rows:
        assert row["sha256"] == sha256
        assert hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest() == sha256
    assert not list(folder.glob(".tmp-*")), "no temporary file is left behind"
