"""What a sealed entry is, byte for byte: the one canonical serialisation of a row.

A leaf of the tree is ``leaf_hash(event_bytes(row))``. Canonical JSON (sorted keys, no
spaces, UTF-8, times in UTC with microseconds) so that any reader — our verifier, an
auditor's script — re-derives the same bytes from the same row. Changing this function
changes every leaf: it is versioned by the ``kind`` field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from dispatcher.contactlog.models import MessageEvent

__all__ = ["EVENT_COLUMNS", "event_bytes", "event_document"]

EVENT_KIND = "message_event/v1"

_events = MessageEvent.__table__.c
EVENT_COLUMNS = (_events.id, _events.message_id, _events.at, _events.source, _events.status,
                 _events.detail)  # fmt: skip
SELECT_EVENTS = select(*EVENT_COLUMNS)


def event_document(row: Any, *, event_id: int | None = None) -> dict[str, Any]:
    """The sealed fields of one ``message_events`` row (``event_id`` overrides its id:
    verify uses it to see whether a row holds what was sealed under another id)."""
    at: datetime = row.at
    return {
        "kind": EVENT_KIND,
        "id": row.id if event_id is None else event_id,
        "message_id": row.message_id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "source": row.source,
        "status": row.status,
        "detail": row.detail,
    }


def event_bytes(row: Any, *, event_id: int | None = None) -> bytes:
    document = event_document(row, event_id=event_id)
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
