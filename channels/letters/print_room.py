"""Letters for an in-house print room: PDFs plus one manifest CSV per day, in a folder.

    <root>/<YYYY-MM-DD>/<message_id>.pdf
    <root>/<YYYY-MM-DD>/manifest.csv      message_id, recipient, address_1..6, country,
                                          pages, file, sha256, written_at

The print room prints what the manifest lists, in its order. Safe with any number of
workers, in one process or many, on one machine (one local file system):

- A PDF is written to a temporary file, flushed to disk, then renamed into place: the
  print room never sees half a PDF. Its manifest row is appended only after that.
- The manifest is created once (its header written to a temporary file, then hard-linked
  into place: exactly one creator wins). Each row is one ``write`` on an ``O_APPEND``
  descriptor: rows never interleave, and a reader tailing the file sees whole rows.
- An exclusive ``flock`` on the day's ``.lock`` file is held from "is this key done?"
  to "row written" — a few milliseconds — so the same idempotency key sent twice, at
  once or after a crash, gives one row. A marker per key (``.sent/``) records that its
  row is written; a marker left "pending" by a crash is settled by looking for the row.
"""

from __future__ import annotations

import asyncio
import csv
import fcntl
import hashlib
import io
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from channels.base import (
    DeliveryStatus,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)
from channels.letters.base import OutgoingLetter

__all__ = ["MANIFEST_COLUMNS", "PrintRoomBatch", "read_manifest"]

MAX_ADDRESS_LINES = 6
MANIFEST_COLUMNS = (
    "message_id",
    "recipient",
    *(f"address_{n}" for n in range(1, MAX_ADDRESS_LINES + 1)),
    "country",
    "pages",
    "file",
    "sha256",
    "written_at",
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_DONE = b"done\n"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PrintRoomBatch:
    """Writes each letter into the day's batch folder under ``root``.

    The day is the date of ``now()`` in ``batch_tz`` (the print room's time zone). The
    files are created readable by their owner and group only: they hold debtor data.
    """

    def __init__(
        self,
        root: Path,
        *,
        now: Callable[[], datetime] = _utc_now,
        batch_tz: tzinfo = UTC,
    ) -> None:
        self._root = Path(root)
        self._now = now
        self._tz = batch_tz

    def __repr__(self) -> str:
        return f"PrintRoomBatch(root={str(self._root)!r})"

    @property
    def provider(self) -> str:
        return "print_room"

    def batch_folder(self, when: datetime | None = None) -> Path:
        moment = (when or self._now()).astimezone(self._tz)
        return self._root / moment.date().isoformat()

    async def send(self, letter: OutgoingLetter) -> Receipt:
        """Put ``letter`` in today's batch; a receipt means its manifest row is written."""
        if not _SAFE_ID.match(letter.message_id):
            raise PermanentChannelError("bad_message_id", "not usable as a file name")
        if len(letter.address_lines) > MAX_ADDRESS_LINES:
            raise PermanentChannelError("address_too_long", f"more than {MAX_ADDRESS_LINES} lines")
        now = self._now()
        folder = self.batch_folder(now)
        try:
            file_name, sha256 = await asyncio.to_thread(self._write, folder, letter, now)
        except OSError as exc:
            raise TransientChannelError("print_room_io", f"{type(exc).__name__}: {exc}") from exc
        return Receipt(
            provider="print_room",
            provider_message_id=f"{folder.name}/{file_name}",
            status=DeliveryStatus.ACCEPTED,
            detail={"batch": folder.name, "sha256": sha256},
        )

    async def aclose(self) -> None:
        """Nothing to close: every send opens and closes its files."""

    def _write(self, folder: Path, letter: OutgoingLetter, now: datetime) -> tuple[str, str]:
        (folder / ".sent").mkdir(parents=True, exist_ok=True, mode=0o750)
        file_name = f"{letter.message_id}.pdf"
        sha256 = hashlib.sha256(letter.pdf).hexdigest()
        temporary = _write_temporary(folder, letter.pdf)  # the slow part, outside the lock
        try:
            with _locked(folder / ".lock"):
                marker = (
                    folder / ".sent" / hashlib.sha256(letter.idempotency_key.encode()).hexdigest()
                )
                state = _read(marker)
                if state == _DONE or (state is not None and _has_row(folder, letter.message_id)):
                    _write_marker(marker, _DONE)
                    return file_name, sha256
                _write_marker(marker, b"pending\n")
                os.replace(temporary, folder / file_name)
                _fsync_folder(folder)
                _append_row(folder / "manifest.csv", _row(letter, file_name, sha256, now))
                _write_marker(marker, _DONE)
        finally:
            temporary.unlink(missing_ok=True)
        return file_name, sha256


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """The rows of the manifest in batch ``folder``, in order ([] if there is none yet)."""
    try:
        with (Path(folder) / "manifest.csv").open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))
    except FileNotFoundError:
        return []


def _row(letter: OutgoingLetter, file_name: str, sha256: str, now: datetime) -> bytes:
    lines = list(letter.address_lines) + [""] * (MAX_ADDRESS_LINES - len(letter.address_lines))
    values = [
        letter.message_id, letter.recipient_name, *lines, letter.country, str(letter.pages),
        file_name, sha256, now.astimezone(UTC).isoformat(),
    ]  # fmt: skip
    return _csv_line(values)


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _write_temporary(folder: Path, data: bytes, *, sync: bool = True) -> Path:
    path = folder / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _append_row(manifest: Path, row: bytes) -> None:
    if not manifest.exists():
        header = _write_temporary(manifest.parent, _csv_line(list(MANIFEST_COLUMNS)))
        try:
            os.link(header, manifest)  # atomic: fails if another writer created it first
        except FileExistsError:
            pass
        finally:
            header.unlink()
    fd = os.open(manifest, os.O_WRONLY | os.O_APPEND)
    try:
        written = os.write(fd, row)  # one write: concurrent appends cannot interleave
        os.fsync(fd)
    finally:
        os.close(fd)
    if written != len(row):
        raise OSError(f"short write to {manifest}: {written} of {len(row)} bytes")


def _has_row(folder: Path, message_id: str) -> bool:
    return any(row["message_id"] == message_id for row in read_manifest(folder))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write_marker(path: Path, state: bytes) -> None:
    # Not flushed to disk: markers only guard against a process dying, whose writes the
    # kernel keeps; the PDFs and the manifest, which the print room reads, are flushed.
    temporary = _write_temporary(path.parent, state, sync=False)
    os.replace(temporary, path)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _locked:
    """An exclusive ``flock`` on ``path`` (created if need be) for the ``with`` block."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = -1

    def __enter__(self) -> None:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o640)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
