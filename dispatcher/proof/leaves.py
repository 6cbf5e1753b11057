"""What a sealed entry is, byte for byte: the one canonical serialisation of a row.

A leaf of the tree is ``leaf_hash(entry_bytes(...))``. Canonical JSON (sorted keys, no
spaces, UTF-8, times in UTC with microseconds) so that any reader — our verifier, an
auditor's script — re-derives the same bytes from the same row. Versioned by ``kind``:

- ``message_event/v1`` (leaves sealed before migration 0012): the event row as it is,
  personal data included. Still verified; its detail cannot be erased without breaking it.
- ``<kind>/v2``: the kind's public fields as they are (``row``), and its personal fields
  only as ``personal``: HMAC-SHA256 under the debtor's secret of the canonical JSON of
  {"kind", "id", "personal"} (None when the row has none). Once the secret is destroyed
  the commitment stands alone: the leaf still verifies, and the fields are gone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from dispatcher.proof.kinds import MESSAGE_EVENT, SealedKind

__all__ = ["canonical", "commitment", "entry_bytes", "event_bytes", "event_document"]

EVENT_KIND = "message_event/v1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):  # a day, as a payment's paid_on (a datetime is caught above)
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot seal a {type(value).__name__}")


def canonical(document: Any) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
        default=_plain,
    ).encode()  # fmt: skip


def event_document(row: Any, *, event_id: int | None = None) -> dict[str, Any]:
    """A version 1 leaf: the sealed fields of one ``message_events`` row (``event_id``
    overrides its id: verify uses it to see whether a row holds what was sealed under
    another id)."""
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
    return canonical(event_document(row, event_id=event_id))


def commitment(kind: SealedKind, entry_id: int, personal: dict[str, Any], secret: bytes) -> bytes:
    message = canonical({"kind": kind.name, "id": entry_id, "personal": personal})
    return hmac.new(secret, message, hashlib.sha256).digest()


def personal_fields(kind: SealedKind, row: Any) -> dict[str, Any]:
    return kind.fields(row)[1]


def entry_bytes(
    kind: SealedKind, row: Any, *, entry_id: int, version: int, committed: bytes | None,
    public: dict[str, Any] | None = None,
) -> bytes:  # fmt: skip
    """The leaf data of ``row`` sealed as ``entry_id``. Version 2 takes the commitment of
    its personal fields (computed under the live secret, or the one stored when sealed);
    ``public``: the row's public fields, if the caller split them already."""
    if version == 1:
        if kind is not MESSAGE_EVENT:
            raise ValueError(f"only message events have version 1 leaves, not {kind.name}")
        return event_bytes(row, event_id=entry_id)
    if public is None:
        public = kind.fields(row)[0]
    document = {
        "kind": f"{kind.name}/v{version}",
        "id": entry_id,
        "row": public,
        "personal": committed.hex() if committed is not None else None,
    }
    return canonical(document)
