"""What a collector's desk shows: their due and upcoming calls, the visits they are on,
their calls still waiting for a disposition, and the debtors (with numbers) they may call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, select

from dispatcher.contactlog.calls import CallWindow, collector_calls
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.workspace.debtor.contacts import contact_time, zone_of
from dispatcher.workspace.models import DebtorAssignment

__all__ = ["Callable", "DeskRows", "desk_rows"]

_SHOWN = 50
_OPEN_CALL = ("sent", "delivered", "unknown", "undelivered", "failed")
# A visit stays on the desk until half a day after its time (to record how it went).
_VISIT_GRACE = timedelta(hours=12)


@dataclass(frozen=True)
class Callable:
    debtor_ref: str
    number: str
    kind: str  # mobile, home, work, other
    zone: str


@dataclass(frozen=True)
class DeskRows:
    due: list[Any]
    upcoming: list[Any]
    visits: list[Any]
    to_record: list[Any]  # calls placed, no disposition yet
    refused: list[Any]  # recent calls the gate blocked
    callable: list[Callable]
    zones: dict[str, str]  # debtor_ref → zone, for every debtor on the desk


async def desk_rows(log: ContactLog, collector_id: str) -> DeskRows:
    due = await collector_calls(log, collector_id, window=CallWindow.DUE, limit=_SHOWN)
    upcoming = await collector_calls(log, collector_id, window=CallWindow.UPCOMING, limit=_SHOWN)
    now = log.clock.now()
    async with log.engine.connect() as conn:
        on_visit = cast(Message.collector_ids, String).contains(f'"{collector_id}"')
        visits = [
            v
            for v in await conn.execute(
                select(Message.__table__)
                .where(Message.channel == ChannelKind.VISIT, on_visit)
                .order_by(Message.id.desc())
                .limit(200)
            )
            if v.status not in (MessageStatus.CANCELLED, MessageStatus.BLOCKED)
            and contact_time(v) >= now - _VISIT_GRACE
        ]
        recent = list(
            await conn.execute(
                select(Message.__table__)
                .where(
                    Message.channel == ChannelKind.VOICE,
                    Message.collector_id == collector_id,
                    Message.created_at >= now - timedelta(days=7),
                )
                .order_by(Message.id.desc())
                .limit(200)
            )
        )
        assigned = list(
            await conn.execute(
                select(DebtorAssignment.debtor_ref, Debtor.phones, Debtor.time_zone, Debtor.country)
                .outerjoin(Debtor, Debtor.debtor_ref == DebtorAssignment.debtor_ref)
                .where(DebtorAssignment.collector_id == collector_id)
                .order_by(DebtorAssignment.debtor_ref)
            )
        )
        shown: list[Any] = [*due, *upcoming, *visits, *recent]
        refs = {m.debtor_ref for m in shown}
        debtors = {
            d.debtor_ref: zone_of(d.time_zone, "", d.country)
            for d in await conn.execute(
                select(Debtor.debtor_ref, Debtor.time_zone, Debtor.country).where(
                    Debtor.debtor_ref.in_(sorted(refs))
                )
            )
        }
    callable_ = [
        Callable(a.debtor_ref, p["number"], p.get("type", "other"),
                 zone_of(a.time_zone, p["number"], a.country))
        for a in assigned
        for p in (a.phones or [])
        if isinstance(p, dict) and p.get("number")
    ]  # fmt: skip
    zones = {ref: debtors.get(ref) or "UTC" for ref in refs}
    for m in shown:
        if zones[m.debtor_ref] == "UTC" and m.destination:
            zones[m.debtor_ref] = zone_of(None, m.destination)
    return DeskRows(
        due=due,
        upcoming=upcoming,
        visits=sorted(visits, key=contact_time),
        to_record=[m for m in recent if m.disposition is None and m.status in _OPEN_CALL][:_SHOWN],
        refused=[m for m in recent if m.status == MessageStatus.BLOCKED][:_SHOWN],
        callable=callable_,
        zones=zones,
    )
