"""Reading the journal after a cursor, and an event as a role sees it.

The cursor is opaque to clients (base64 of the journal's seq): they hand back the
``next_cursor`` they were given. It is all the state a reader needs, so a reader that
crashes resumes from the last cursor it kept, and the journal outlives a server crash.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.api.views import mask_phone, masked
from dispatcher.errors import DispatcherError
from dispatcher.events.models import JOURNAL_PRUNED, EventSource, OutboundEvent
from dispatcher.events.projector import Projection

__all__ = [
    "CursorPruned", "EventPage", "decode_cursor", "encode_cursor", "event_body", "next_page",
    "read_after",
]  # fmt: skip

POLL_S = 0.1  # a long-poll looks again this often (projecting at most every 0.2 s)

_PREFIX = "events:"


class CursorPruned(DispatcherError):
    """The cursor is older than events retention pruned: reading on from it would skip
    them silently. Start again without a cursor (from the oldest event kept)."""

    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        super().__init__(
            f"events after cursor {cursor} were pruned (WEBHOOK_KEEP_DELIVERED_DAYS): "
            "read again from the start, without after"
        )


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor stands for; ValueError if it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("is not a cursor this API gave") from None
    seq = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not seq.isascii() or not seq.isdigit() or len(seq) > 18:
        raise ValueError("is not a cursor this API gave")
    return int(seq)


async def read_after(engine: AsyncEngine, after: int, limit: int) -> list[Row[Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            select(OutboundEvent.__table__)
            .where(OutboundEvent.seq > after)
            .order_by(OutboundEvent.seq)
            .limit(limit)
        )
        return list(result)


def event_body(row: Any, *, full: bool) -> dict[str, Any]:
    """The event as the feed and the webhooks send it (Standard Webhooks' payload shape:
    ``type``, ``timestamp``, ``data``; plus its ``id``). Masked unless ``full``: every
    phone number, and a hold's destination."""
    data: dict[str, Any] = dict(row.data)
    if not full:
        data = masked(data)
        if data.get("destination"):
            data["destination"] = mask_phone(str(data["destination"]))
    return {
        "id": row.event_id,
        "type": row.type,
        "timestamp": row.occurred_at.isoformat(),
        "data": data,
    }


@dataclass(frozen=True)
class EventPage:
    items: list[dict[str, Any]]  # each event_body, with its own "cursor"
    next_cursor: str  # to ask again with (the same cursor when nothing was new)


async def next_page(
    projection: Projection, *, after: int, limit: int, wait_s: float, full: bool
) -> EventPage:
    """Events after seq ``after``; with none yet, looked for again until ``wait_s`` is up.
    ``CursorPruned`` if retention pruned an event after it."""
    deadline = time.monotonic() + wait_s
    if after > 0:
        async with projection.engine.connect() as conn:
            pruned = await conn.scalar(
                select(EventSource.high).where(EventSource.name == JOURNAL_PRUNED)
            )
        if pruned is not None and after < pruned:
            raise CursorPruned(encode_cursor(after))
    while True:
        await projection.refresh()
        rows = await read_after(projection.engine, after, limit)
        if rows or time.monotonic() >= deadline:
            break
        await asyncio.sleep(POLL_S)
    return EventPage(
        [{**event_body(r, full=full), "cursor": encode_cursor(r.seq)} for r in rows],
        encode_cursor(rows[-1].seq if rows else after),
    )
