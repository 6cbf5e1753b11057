"""The figures for one period (local days, both ends included), team, portfolio, collector.

Contacts, refusals, caps, hours and dispositions are read from ``stats_daily`` (one index
range per metric); payments, promises and opt-outs from their own, much smaller tables.
A team is the collectors whose ``team`` it is (``collectors`` table): with a team (or a
collector) only their calls and visits count, and only payments attributed to them.
Opt-outs are the debtor's, not a collector's: a team does not narrow them; like every
other figure they count on the debtor's local day (``debtor_days``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import Collector, Debtor, Hold
from dispatcher.domain import ChannelKind, ContactResult, Disposition
from dispatcher.stats.complaints import complaint_figures
from dispatcher.stats.debtor_days import on_a_local_day, utc_window
from dispatcher.stats.facts import Metric
from dispatcher.stats.models import PortfolioAccount, StatsDaily
from dispatcher.stats.recovery import (
    PerCollector,
    book_figures,
    payment_figures,
    promise_figures,
)

__all__ = ["CAP_RULES", "StatsFilter", "figures"]

CAP_RULES = frozenset({"frequency.cap", "frequency.after_conversation"})
CALL_CHANNELS = (ChannelKind.VOICE, ChannelKind.VISIT)
_DISPOSITION_FIGURES = {
    Disposition.PROMISE_TO_PAY: "promises_to_pay",
    Disposition.DISPUTE: "disputes",
}
_COLLECTOR_ZEROS: dict[str, Any] = {
    "calls": 0,
    "visits": 0,
    "conversations": 0,
    "promises_to_pay": 0,
    "disputes": 0,
    "complaints": 0,
    "promises_kept": 0,
    "recovered": [],
}


@dataclass(frozen=True)
class StatsFilter:
    start: date
    end: date
    team: str | None = None
    portfolio: str | None = None
    collector: str | None = None


async def figures(
    engine: AsyncEngine, wanted: StatsFilter, *, grace_days: int, today: date,
    attribution_days: int = 30,
) -> dict[str, Any]:  # fmt: skip
    """Every figure, as the JSON ``GET /v1/stats`` answers. ``today``: the local date now
    (a promise not yet due is open, neither kept nor broken)."""
    async with engine.connect() as conn:
        collectors = await _collectors(conn, wanted)
        daily = _daily_filter(wanted, collectors)
        by_day = await _grouped(conn, daily, (Metric.CONTACT,), StatsDaily.day, StatsDaily.channel)
        per_collector = await _per_collector(conn, daily)
        totals = await _totals(conn, daily)
        payments = await payment_figures(conn, wanted, collectors, per_collector)
        promises = await promise_figures(
            conn, wanted, collectors, per_collector, grace_days=grace_days, today=today
        )
        opt_outs = await _opt_outs(conn, wanted)
        complaints = await complaint_figures(
            conn, wanted, collectors, per_collector, window=timedelta(days=attribution_days)
        )
        book = await book_figures(conn, wanted, collectors)
    refused = totals.get(Metric.REFUSED, {})
    deferred = totals.get(Metric.DEFERRED, {})
    return {
        "period": {"from": wanted.start.isoformat(), "to": wanted.end.isoformat()},
        "filters": {
            "team": wanted.team,
            "portfolio": wanted.portfolio,
            "collector": wanted.collector,
        },
        "contacts_by_day": [
            {"day": day.isoformat(), "channel": channel, "result": result, "count": n}
            for (_, day, channel, result), n in sorted(by_day.items())
        ],
        "collectors": [
            {"collector_id": c, **_COLLECTOR_ZEROS, **counts}
            for c, counts in sorted(per_collector.items())
        ],
        "refusals_by_rule": _listed(refused, "rule_id"),
        "deferrals_by_rule": _listed(deferred, "rule_id"),
        "caps_reached": sum(n for r, n in refused.items() if r in CAP_RULES)
        + sum(n for r, n in deferred.items() if r in CAP_RULES),
        "attempts": sum(totals.get(Metric.ATTEMPT, {}).values()),
        "attempts_outside_hours": sum(totals.get(Metric.OUTSIDE_HOURS, {}).values()),
        "opt_outs": opt_outs,
        "complaints": complaints,
        "letters_returned": sum(totals.get(Metric.LETTER_RETURNED, {}).values()),
        "payments": payments["by_currency"],
        "promises": promises,
        "success_rate": book["success_rate"],
        "overdue_rate": book["overdue_rate"],
    }


async def _collectors(conn: AsyncConnection, wanted: StatsFilter) -> frozenset[str] | None:
    """The collectors the figures are narrowed to; None: no narrowing."""
    if wanted.team is None:
        return None if wanted.collector is None else frozenset({wanted.collector})
    team = (
        await conn.execute(select(Collector.collector_id).where(Collector.team == wanted.team))
    ).scalars()
    found = frozenset(team)
    return found if wanted.collector is None else found & {wanted.collector}


def _daily_filter(
    wanted: StatsFilter, collectors: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    where = [StatsDaily.day >= wanted.start, StatsDaily.day <= wanted.end]
    if wanted.portfolio is not None:
        where.append(StatsDaily.portfolio == wanted.portfolio)
    if collectors is not None:
        where.append(StatsDaily.collector_id.in_(sorted(collectors)))
    return where


async def _grouped(
    conn: AsyncConnection,
    where: list[ColumnElement[bool]],
    metrics: tuple[str, ...],
    *columns: Any,
) -> dict[tuple[Any, ...], int]:
    """Counts summed by (metric, *columns, detail): one pass over the period's rows."""
    rows = await conn.execute(
        select(StatsDaily.metric, *columns, StatsDaily.detail, func.sum(StatsDaily.count))
        .where(StatsDaily.metric.in_(metrics), *where)
        .group_by(StatsDaily.metric, *columns, StatsDaily.detail)
    )
    return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1]}


async def _per_collector(conn: AsyncConnection, where: list[ColumnElement[bool]]) -> PerCollector:
    """Each collector's calls, visits, conversations, promises and disputes (the payments
    and promises kept credited to them are added by ``recovery``)."""
    calls = StatsDaily.channel.in_([str(c) for c in CALL_CHANNELS])
    found: PerCollector = defaultdict(dict)
    wheres = [*where, calls, StatsDaily.collector_id != ""]
    cols = (StatsDaily.collector_id, StatsDaily.channel)
    grouped = await _grouped(conn, wheres, (Metric.CONTACT, Metric.DISPOSITION), *cols)
    for (metric, collector, channel, detail), n in grouped.items():
        entry = found[collector]
        if metric == Metric.DISPOSITION:
            name = _DISPOSITION_FIGURES.get(detail)
            if name is not None:
                entry[name] = entry.get(name, 0) + n
            continue
        kind = "calls" if channel == ChannelKind.VOICE else "visits"
        entry[kind] = entry.get(kind, 0) + n
        if detail in (ContactResult.CONVERSATION, ContactResult.VISITED):
            entry["conversations"] = entry.get("conversations", 0) + n
    return found


async def _totals(
    conn: AsyncConnection, where: list[ColumnElement[bool]]
) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    metrics = (Metric.ATTEMPT, Metric.OUTSIDE_HOURS, Metric.REFUSED, Metric.DEFERRED,
               Metric.LETTER_RETURNED)  # fmt: skip
    for (metric, detail), n in (await _grouped(conn, where, metrics)).items():
        totals[metric][detail] = n
    return totals


def _listed(counts: dict[str, int], name: str) -> list[dict[str, Any]]:
    return [
        {name: key, "count": n} for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


async def _opt_outs(conn: AsyncConnection, wanted: StatsFilter) -> int:
    """Opt-out holds set in the period, on the debtor's local day (``debtor_days``)."""
    start, end = utc_window(wanted)
    query = (
        select(Hold.created_at, Debtor.time_zone)
        .outerjoin(Debtor, Debtor.debtor_ref == Hold.debtor_ref)
        .where(Hold.kind == "opt_out", Hold.created_at >= start, Hold.created_at < end)
    )
    if wanted.portfolio is not None:
        query = query.where(
            Hold.debtor_ref.in_(
                select(PortfolioAccount.debtor_ref).where(
                    PortfolioAccount.portfolio == wanted.portfolio
                )
            )
        )
    return sum(1 for at, zone in await conn.execute(query) if on_a_local_day(at, zone, wanted))
