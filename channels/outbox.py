"""The no-credentials provider: messages are appended to a local JSON-lines file.

For development, demos and dry runs: nothing leaves the machine. Each message is one
line written with a single ``write`` on an ``O_APPEND`` descriptor, so several worker
processes can share one outbox without interleaving lines. The file is created readable
by its owner only: it holds debtor data.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from channels.base import DeliveryStatus, OutgoingMessage, Receipt, TransientChannelError

__all__ = ["OutboxChannel", "read_outbox"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OutboxChannel:
    """Writes each message as a JSON line to ``path`` instead of sending it.

    A line holds ``message_id``, ``destination``, ``body``, ``status_callback_url`` and
    ``written_at`` (ISO 8601, UTC). ``now`` is the clock (e.g. a dispatcher ``Clock.now``).
    """

    def __init__(self, path: Path, *, now: Callable[[], datetime] = _utc_now) -> None:
        self._path = Path(path)
        self._now = now

    def __repr__(self) -> str:
        return f"OutboxChannel(path={str(self._path)!r})"

    @property
    def provider(self) -> str:
        return "outbox"

    @property
    def path(self) -> Path:
        return self._path

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Append ``message`` to the outbox; it is then as good as accepted."""
        record = {
            "message_id": message.message_id,
            "destination": message.destination,
            "body": message.body,
            "status_callback_url": message.status_callback_url,
            "written_at": self._now().astimezone(UTC).isoformat(),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            await asyncio.to_thread(_append, self._path, line.encode("utf-8"))
        except OSError as exc:
            raise TransientChannelError("outbox_io", f"{type(exc).__name__}: {exc}") from exc
        return Receipt(
            provider="outbox",
            provider_message_id=f"outbox-{message.message_id}",
            status=DeliveryStatus.ACCEPTED,
        )

    async def aclose(self) -> None:
        """Nothing to close: every send opens and closes the file."""


def _append(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        written = os.write(fd, data)  # one write: appends from other processes can't interleave
    finally:
        os.close(fd)
    if written != len(data):  # only on a full disk or similar; the line is torn
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def read_outbox(path: Path) -> list[dict[str, Any]]:
    """Every message in the outbox at ``path``, oldest first ([] if there is none yet).

    Raises ``ValueError`` naming the line when a line is not a JSON object.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    records: list[dict[str, Any]] = []
    # split("\n"), not splitlines(): a body may hold U+2028, which JSON leaves unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: not a JSON object")
        records.append(record)
    return records
