"""Message rows against their (sealed) events: the status of the last event, the content
its sending event recorded, the verdict the last deciding event recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.digests import content_digest, verdict_digest
from dispatcher.contactlog.models import Message, MessageEvent

__all__ = ["EventDigests", "check_message_rows", "check_message_statuses"]

STREAM_ROWS = 5000
Add = Callable[[str, str, str], None]


@dataclass
class EventDigests:
    """Per message, from its events in id order: the latest content and verdict recorded."""

    contents: dict[str, tuple[int, str]] = field(default_factory=dict)  # (event id, sha)
    verdicts: dict[str, tuple[int, str, Any]] = field(default_factory=dict)  # (.., rule id)

    def observe(self, row: Any) -> None:
        detail = row.detail if isinstance(row.detail, dict) else {}
        if detail.get("content_sha256"):
            self.contents[row.message_id] = (row.id, detail["content_sha256"])
        if detail.get("verdict_sha256"):
            said = (row.id, detail["verdict_sha256"], detail.get("rule_id"))
            self.verdicts[row.message_id] = said


async def check_message_rows(conn: AsyncConnection, digests: EventDigests, add: Add) -> None:
    """Each message's content and verdict against what its latest events recorded. A
    deferral by the same rule again moves the row's verdict on without an event (one line
    per reason, not per poll): there the rule must still be the one the event recorded."""
    result = await conn.stream(
        select(Message.id, Message.content, Message.verdict, Message.status)
        .order_by(Message.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for partition in result.partitions():
        for message_id, content, verdict, status in partition:
            recorded = digests.contents.get(message_id)
            if recorded and content is not None and content_digest(content) != recorded[1]:
                add(
                    "content", f"message {message_id}",
                    f"its content is not the content event {recorded[0]} recorded as sent",
                )  # fmt: skip
            said = digests.verdicts.get(message_id)
            if said is None or verdict is None or verdict_digest(verdict) == said[1]:
                continue
            if status == "deferred" and verdict.get("rule_id") == said[2]:
                continue
            add("verdict", f"message {message_id}",
                f"its verdict is not the verdict event {said[0]} recorded")  # fmt: skip


async def check_message_statuses(conn: AsyncConnection, add: Add) -> None:
    last = (
        select(MessageEvent.message_id, func.max(MessageEvent.id).label("last_id"))
        .group_by(MessageEvent.message_id)
        .subquery()
    )
    event = MessageEvent.__table__.alias("last_event")
    query = (
        select(Message.id, Message.status, event.c.status.label("event_status"))
        .select_from(Message)
        .outerjoin(last, last.c.message_id == Message.id)
        .outerjoin(event, event.c.id == last.c.last_id)
        .where(or_(event.c.id.is_(None), event.c.status != Message.status))
        .order_by(Message.id)
    )
    for message_id, status, event_status in await conn.execute(query):
        said = f"its last event says {event_status}" if event_status else "it has no events"
        add("status", f"message {message_id}", f"its row says {status}, but {said}")
