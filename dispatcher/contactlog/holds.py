"""Holds: set, lift and look up what stops contact with a debtor or a destination."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from compliance import HoldFact
from dispatcher.contactlog.models import Hold

__all__ = ["active_holds", "add_hold", "holds_around", "lift_holds", "pick_holds"]


async def active_holds(
    conn: AsyncConnection, *, debtor_ref: str, destination: str, channel: str
) -> list[HoldFact]:
    rows = await conn.execute(
        select(Hold.__table__)
        .where(
            Hold.lifted_at.is_(None),
            or_(Hold.channel.is_(None), Hold.channel == channel),
            or_(
                and_(Hold.debtor_ref == debtor_ref, Hold.destination.is_(None)),
                Hold.destination == destination,
            ),
        )
        .order_by(Hold.id)
    )
    return [
        HoldFact(h.kind, h.channel, h.destination, h.reason, h.source, h.set_by, h.created_at)
        for h in rows
    ]


def holds_around(
    debtor_ref: ColumnElement[str], destination: ColumnElement[str]
) -> ScalarSelect[Any]:
    """PostgreSQL: every active hold of the debtor or on the destination, as one JSON array
    (oldest first) — a superset of what ``active_holds`` answers for them on any channel,
    for another statement to read in its own round trip; ``pick_holds`` then filters it."""
    holds = Hold.__table__
    assert isinstance(holds, Table)
    return (
        select(func.json_agg(aggregate_order_by(holds.table_valued(), holds.c.id), type_=JSON))
        .where(
            holds.c.lifted_at.is_(None),
            or_(holds.c.debtor_ref == debtor_ref, holds.c.destination == destination),
        )
        .scalar_subquery()
    )


def pick_holds(
    rows: Iterable[dict[str, Any]], *, debtor_ref: str, destination: str, channel: str
) -> list[HoldFact]:
    """``active_holds``' answer from the rows ``holds_around`` read: the same filter."""
    return [
        HoldFact(
            h["kind"], h["channel"], h["destination"], h["reason"], h["source"], h["set_by"],
            datetime.fromisoformat(h["created_at"]).astimezone(UTC),
        )
        for h in rows
        if h["lifted_at"] is None
        and (h["channel"] is None or h["channel"] == channel)
        and (
            (h["debtor_ref"] == debtor_ref and h["destination"] is None)
            or h["destination"] == destination
        )
    ]  # fmt: skip


async def add_hold(
    conn: AsyncConnection,
    *,
    kind: str,
    debtor_ref: str | None,
    destination: str | None,
    channel: str | None,
    set_by: str,
    source: str,
    reason: str,
    at: datetime,
) -> bool:
    """Set a hold unless the same one is already active; True if it was new."""
    same = await conn.execute(
        select(Hold.id).where(
            Hold.lifted_at.is_(None),
            Hold.kind == kind,
            _equals(Hold.debtor_ref, debtor_ref),
            _equals(Hold.destination, destination),
            _equals(Hold.channel, channel),
        )
    )
    if same.first() is not None:
        return False
    await conn.execute(
        insert(Hold).values(
            kind=kind, debtor_ref=debtor_ref, destination=destination, channel=channel,
            set_by=set_by, source=source, reason=reason, created_at=at,
        )
    )  # fmt: skip
    return True


async def lift_holds(
    conn: AsyncConnection,
    *,
    kind: str,
    debtor_ref: str | None,
    destination: str | None,
    channel: str | None,
    lifted_by: str,
    at: datetime,
) -> int:
    result = await conn.execute(
        update(Hold)
        .where(
            Hold.lifted_at.is_(None),
            Hold.kind == kind,
            _equals(Hold.debtor_ref, debtor_ref),
            _equals(Hold.destination, destination),
            _equals(Hold.channel, channel),
        )
        .values(lifted_at=at, lifted_by=lifted_by)
    )
    return result.rowcount


def _equals(column: InstrumentedAttribute[str | None], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
