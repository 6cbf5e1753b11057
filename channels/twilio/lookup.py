"""Reading back what Twilio has on record for a number, for settling a send after a crash
or a timeout: the newest records first, back to a time, never more than one lookup can
honestly vouch for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from channels.base import SentRecord, TransientChannelError

__all__ = ["LOOKUP_LIMIT", "LOOKUP_PAGE_SIZE", "records_since"]

# The most of a number's newest records one lookup reads; a lookup that would need more
# cannot tell, and says so rather than guess.
LOOKUP_LIMIT = 200
LOOKUP_PAGE_SIZE = 50


async def records_since(
    records: AsyncIterator[Any],
    *,
    since: datetime,
    keep: Callable[[Any], SentRecord | None],
) -> list[SentRecord]:
    """``keep(record)`` for each record (Twilio lists newest first) created since ``since``;
    a record ``keep`` answers None for is passed over."""
    found: list[SentRecord] = []
    async for record in records:
        created = record.date_created
        if created is not None and created < since:
            break
        kept = keep(record)
        if kept is None:
            continue
        if len(found) == LOOKUP_LIMIT:
            raise TransientChannelError(
                "lookup_too_long",
                f"more than {LOOKUP_LIMIT} records to the number since {since.isoformat()}: "
                "cannot tell which, if any, is ours",
            )
        found.append(kept)
    return found
