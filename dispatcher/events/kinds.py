"""What the outbound events are called, and how each is read off the contact log's rows.

A message event says which status the message moved to. It becomes ``message.<status>``
when the status changed (or a rule deferred it again); ``sending`` stays internal. The
ambiguous send our log calls ``unknown`` keeps its name: ``message.unknown`` — the
provider may or may not have taken it; it is never resent, and a later
``message.sent``/``delivered``/``failed`` settles it. On top of the message's own event:

- ``call.completed``: a call ended (delivered, undelivered, failed), with its result; and
  again when the collector records the disposition, with result and disposition;
- ``visit.completed``: the collectors recorded the visit's outcome;
- ``letter.returned``: a letter came back undelivered.

Holds give ``hold.set`` and ``hold.lifted``; risk flags ``risk_flag.set`` and
``risk_flag.cleared`` (a review changes nothing a system acts on: no event).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from compliance.rules.pause import campaign_of
from dispatcher.domain import ChannelKind, MessageStatus

__all__ = [
    "EVENT_TYPES",
    "Derived",
    "EventType",
    "hold_event",
    "message_events",
    "risk_flag_events",
]


class EventType(enum.StrEnum):
    MESSAGE_QUEUED = "message.queued"
    MESSAGE_DEFERRED = "message.deferred"
    MESSAGE_BLOCKED = "message.blocked"
    MESSAGE_UNKNOWN = "message.unknown"
    MESSAGE_SENT = "message.sent"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_UNDELIVERED = "message.undelivered"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_CANCELLED = "message.cancelled"
    CALL_COMPLETED = "call.completed"
    VISIT_COMPLETED = "visit.completed"
    LETTER_RETURNED = "letter.returned"
    HOLD_SET = "hold.set"
    HOLD_LIFTED = "hold.lifted"
    RISK_FLAG_SET = "risk_flag.set"
    RISK_FLAG_CLEARED = "risk_flag.cleared"


EVENT_TYPES = tuple(str(t) for t in EventType)

_MESSAGE_TYPE = {
    MessageStatus(t.value.removeprefix("message.")): t
    for t in EventType
    if t.value.startswith("message.")
}
_CALL_ENDS = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED})


@dataclass(frozen=True)
class Derived:
    """One journal row to write."""

    event_id: str
    type: EventType
    order_key: str
    occurred_at: datetime
    data: dict[str, Any]


def message_events(row: Mapping[str, Any]) -> list[Derived]:
    """The events one ``message_events`` row (joined with its message and the status of
    the message's event before it, ``previous_status``) gives."""
    status = MessageStatus(row["status"])
    changed = status != row["previous_status"]
    detail: dict[str, Any] = dict(row["detail"] or {})
    base = {
        "message_id": row["message_id"],
        "debtor_ref": row["debtor_ref"],
        "account_ref": row["account_ref"],
        "channel": row["channel"],
        "campaign": campaign_of(row["requested_by"]),
        "status": str(status),
        "previous_status": row["previous_status"],
        "source": row["source"],
        "detail": detail,
    }
    types: list[tuple[EventType, dict[str, Any]]] = []
    if (changed or status is MessageStatus.DEFERRED) and status in _MESSAGE_TYPE:
        types.append((_MESSAGE_TYPE[status], {}))
    channel = row["channel"]
    call_ended = changed and status in _CALL_ENDS
    if channel == ChannelKind.VOICE and ("disposition" in detail or call_ended):
        types.append((EventType.CALL_COMPLETED, _call(row, detail)))
    if channel == ChannelKind.VISIT and "visit_outcome" in detail:
        outcome = {"outcome": detail["visit_outcome"], "collector_ids": row["collector_ids"]}
        types.append((EventType.VISIT_COMPLETED, outcome))
    if channel == ChannelKind.LETTER and changed and status is MessageStatus.UNDELIVERED:
        returned = {"provider_status": detail.get("provider_status")}
        types.append((EventType.LETTER_RETURNED, returned))
    return [
        Derived(
            event_id=f"evt_m{row['id']}_{kind}",
            type=kind,
            order_key=f"message:{row['message_id']}",
            occurred_at=row["at"],
            data={**base, **extra},
        )
        for kind, extra in types
    ]


def _call(row: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
    """A call's result and disposition as of this event (the row's, if the event has none)."""
    return {
        "result": detail.get("result", row["result"]),
        "disposition": detail.get("disposition", row["disposition"]),
        "duration_s": row["duration_s"],
        "answered_by": row["answered_by"],
        "collector_id": row["collector_id"],
    }


def hold_event(row: Mapping[str, Any], kind: EventType) -> Derived:
    """``hold.set`` or ``hold.lifted`` for one ``holds`` row."""
    lifted = kind is EventType.HOLD_LIFTED
    return Derived(
        event_id=f"evt_h{row['id']}_{kind}",
        type=kind,
        order_key=f"hold:{row['id']}",
        occurred_at=row["lifted_at"] if lifted else row["created_at"],
        data={
            "hold_id": row["id"],
            "kind": row["kind"],
            "debtor_ref": row["debtor_ref"],
            "destination": row["destination"],
            "channel": row["channel"],
            "set_by": row["set_by"],
            "source": row["source"],
            "reason": row["reason"],
            "created_at": row["created_at"].isoformat(),
            "lifted_at": row["lifted_at"].isoformat() if lifted else None,
            "lifted_by": row["lifted_by"] if lifted else None,
        },
    )


_FLAG_TYPES = {"set": EventType.RISK_FLAG_SET, "cleared": EventType.RISK_FLAG_CLEARED}


def risk_flag_events(row: Mapping[str, Any]) -> list[Derived]:
    """``risk_flag.set`` or ``risk_flag.cleared`` for one ``risk_flag_events`` row."""
    kind = _FLAG_TYPES.get(row["action"])
    if kind is None:
        return []
    return [
        Derived(
            event_id=f"evt_r{row['id']}_{kind}",
            type=kind,
            order_key=f"risk_flag:{row['debtor_ref']}:{row['flag']}",
            occurred_at=row["at"],
            data={
                "debtor_ref": row["debtor_ref"],
                "flag": row["flag"],
                "reason": row["reason"],
                "actor": row["actor"],
                "actor_role": row["actor_role"],
            },
        )
    ]
