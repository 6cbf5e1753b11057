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

from sqlalchemy import and_, func, literal, null, select, union_all
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
        .cte("per_message")
    )
    # The checkpoint that first holds leaf i is the smallest with tree_size > i. One pass
    # over the checkpoints after the page's oldest leaf (by the index on tree_size), merged with
    # the page's entries by position; walking down from the newest, the smallest checkpoint
    # number seen so far is the first one that holds the entry (numbers grow with sizes).
    oldest = select(func.min(per_message.c.last_leaf)).scalar_subquery()
    marks = union_all(
        select(
            per_message.c.message_id,
            (per_message.c.last_leaf + 1).label("position"),
            literal(0).label("is_checkpoint"),
            null().label("number"),
        ).where(per_message.c.last_leaf.is_not(None)),
        select(
            null(),
            AuditCheckpoint.tree_size,
            literal(1),
            AuditCheckpoint.number,
        ).where(AuditCheckpoint.tree_size > oldest),
    ).subquery("marks")
    first_holding = func.min(marks.c.number).over(
        order_by=(marks.c.position.desc(), marks.c.is_checkpoint.desc()), rows=(None, 0)
    )
    walked = select(
        marks.c.message_id, marks.c.is_checkpoint, first_holding.label("number")
    ).subquery("walked")
    holding = (
        select(walked.c.message_id, walked.c.number)
        .where(walked.c.is_checkpoint == 0)
        .subquery("holding")
    )
    covering = AuditCheckpoint.__table__.alias("covering")
    query = (
        select(per_message, covering.c.number, covering.c.tree_size, covering.c.at)
        .outerjoin(holding, holding.c.message_id == per_message.c.message_id)
        .outerjoin(covering, covering.c.number == holding.c.number)
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
