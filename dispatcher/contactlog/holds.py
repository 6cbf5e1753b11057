"""Holds: set, lift and look up what stops contact with a debtor or a destination."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from compliance import HoldFact
from dispatcher.contactlog.models import Hold

__all__ = ["active_holds", "add_hold", "lift_holds"]


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
