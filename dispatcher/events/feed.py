"""Reading the journal after a cursor, and an event as a role sees it.

The cursor is opaque to clients (base64 of the journal's seq): they hand back the
``next_cursor`` they were given. It is all the state a reader needs, so a reader that
crashes resumes from the last cursor it kept, and the journal outlives a server crash.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.api.views import mask_phone, masked
from dispatcher.events.models import OutboundEvent

__all__ = ["decode_cursor", "encode_cursor", "event_body", "read_after"]

_PREFIX = "events:"


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
