"""Complaints (risk flag ``complaint`` set on a debtor), credited to a collector.

A complaint is about the contact before it: it is credited to the collector of the
debtor's latest call or visit attempted within the attribution window before the flag was
set (``STATS_ATTRIBUTION_DAYS``), else to no collector. Like opt-outs, complaints are the
debtor's and counted on the debtor's local day, as every figure is (``debtor_days``); a
portfolio narrows them to its debtors, a team or a collector to the complaints credited to
them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import Debtor, Message
from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.stats.debtor_days import on_a_local_day, utc_window
from dispatcher.stats.models import PortfolioAccount

if TYPE_CHECKING:
    from dispatcher.stats.query import StatsFilter
    from dispatcher.stats.recovery import PerCollector

__all__ = ["COMPLAINT", "complaint_figures"]

COMPLAINT = "complaint"


async def complaint_figures(
    conn: AsyncConnection,
    wanted: StatsFilter,
    collectors: frozenset[str] | None,
    by_collector: PerCollector,
    *,
    window: timedelta,
) -> int:
    """How many complaints in the period (credited ones go into ``by_collector``)."""
    start, end = utc_window(wanted)
    query = (
        select(RiskFlagEvent.debtor_ref, RiskFlagEvent.at, Debtor.time_zone)
        .outerjoin(Debtor, Debtor.debtor_ref == RiskFlagEvent.debtor_ref)
        .where(
            RiskFlagEvent.flag == COMPLAINT,
            RiskFlagEvent.action == "set",
            RiskFlagEvent.at >= start,
            RiskFlagEvent.at < end,
        )
    )
    if wanted.portfolio is not None:
        query = query.where(
            RiskFlagEvent.debtor_ref.in_(
                select(PortfolioAccount.debtor_ref).where(
                    PortfolioAccount.portfolio == wanted.portfolio
                )
            )
        )
    counted = 0
    for debtor_ref, at, zone in (await conn.execute(query)).all():
        if not on_a_local_day(at, zone, wanted):
            continue
        collector = await _credited(conn, debtor_ref, at, window)
        if collectors is not None and collector not in collectors:
            continue
        counted += 1
        if collector is not None:
            entry = by_collector[collector]
            entry["complaints"] = entry.get("complaints", 0) + 1
    return counted


async def _credited(
    conn: AsyncConnection, debtor_ref: str, at: datetime, window: timedelta
) -> str | None:
    found = await conn.execute(
        select(Message.collector_id)
        .where(
            Message.debtor_ref == debtor_ref,
            Message.collector_id.is_not(None),
            Message.attempted_at <= at,
            Message.attempted_at >= at - window,
        )
        .order_by(Message.attempted_at.desc(), Message.id.desc())
        .limit(1)
    )
    return found.scalar()
