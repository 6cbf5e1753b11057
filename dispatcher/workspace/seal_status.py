"""Each timeline entry's seal status, for a page of messages in one query: how many of a
message's events are leaves of the tree (dispatcher/proof), and the first signed checkpoint
whose tree holds all of them.

The page does not re-verify anything (that is `dispatcher audit verify`, which walks the
whole chain): it reports what the seal tables say, and points to the proof."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf, MessageEvent
from dispatcher.proof.kinds import MESSAGE_EVENT

__all__ = ["SealStatus", "seal_statuses"]


@dataclass(frozen=True)
class SealStatus:
    state: Literal["sealed", "partly", "pending"]
    events: int  # the message's events
    sealed: int  # of them, leaves of the tree under a signed checkpoint
    checkpoint: int | None = None  # the first checkpoint whose tree holds every sealed one
    tree_size: int | None = None
    sealed_at: datetime | None = None


PENDING = SealStatus("pending", 0, 0)


async def seal_statuses(conn: AsyncConnection, message_ids: Sequence[str]) -> dict[str, SealStatus]:
    """The seal status of each message (a message with no events yet: pending)."""
    if not message_ids:
        return {}
    per_message = (
        select(
            MessageEvent.message_id,
            func.count(MessageEvent.id).label("events"),
            func.count(AuditLeaf.leaf_index).label("sealed"),
            func.max(AuditLeaf.leaf_index).label("last_leaf"),
        )
        .select_from(MessageEvent)
        .outerjoin(
            AuditLeaf,
            and_(AuditLeaf.kind == MESSAGE_EVENT.name, AuditLeaf.event_id == MessageEvent.id),
        )
        .where(MessageEvent.message_id.in_(list(message_ids)))
        .group_by(MessageEvent.message_id)
        .subquery()
    )
    # Checkpoints grow with their number, so the one that first holds leaf i follows the
    # last one smaller than i+1. Read newest first by the primary key: a recent entry's
    # checkpoint is near the head of the chain.
    before = (
        select(func.max(AuditCheckpoint.number))
        .where(AuditCheckpoint.tree_size <= per_message.c.last_leaf)
        .correlate(per_message)
        .scalar_subquery()
    )
    covering = AuditCheckpoint.__table__.alias("covering")
    query = select(per_message, covering.c.number, covering.c.tree_size, covering.c.at).outerjoin(
        covering,
        and_(
            per_message.c.last_leaf.is_not(None),
            covering.c.number == func.coalesce(before, 0) + 1,
            covering.c.tree_size > per_message.c.last_leaf,
        ),
    )
    statuses = {}
    for row in await conn.execute(query):
        statuses[row.message_id] = _status(row)
    return {message_id: statuses.get(message_id, PENDING) for message_id in message_ids}


def _status(row: Any) -> SealStatus:
    if row.sealed == 0 or row.number is None:  # a leaf no checkpoint holds: not sealed
        return SealStatus("pending", row.events, 0)
    state: Literal["sealed", "partly"] = "sealed" if row.sealed == row.events else "partly"
    return SealStatus(state, row.events, row.sealed, row.number, row.tree_size, row.at)
