"""The figures for one period (local days, both ends included), team, portfolio, collector.

Contacts, refusals, caps, hours and dispositions are read from ``stats_daily`` (one index
range per metric); payments, promises and opt-outs from their own, much smaller tables.
A team is the collectors whose ``team`` it is (``collectors`` table): with a team (or a
collector) only their calls and visits count, and only payments attributed to them.
Opt-outs are the debtor's, not a collector's: a team does not narrow them, and holds carry
no zone, so they are counted by UTC day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import Account, Collector, Hold
from dispatcher.domain import ChannelKind, ContactResult, Disposition
from dispatcher.stats.facts import Metric
from dispatcher.stats.models import Payment, PortfolioAccount, StatsDaily, StatsPromise

__all__ = ["CAP_RULES", "StatsFilter", "figures"]

CAP_RULES = frozenset({"frequency.cap", "frequency.after_conversation"})
CALL_CHANNELS = (ChannelKind.VOICE, ChannelKind.VISIT)


@dataclass(frozen=True)
class StatsFilter:
    start: date
    end: date
    team: str | None = None
    portfolio: str | None = None
    collector: str | None = None


async def figures(
    engine: AsyncEngine, wanted: StatsFilter, *, grace_days: int, today: date
) -> dict[str, Any]:
    """Every figure, as the JSON ``GET /v1/stats`` answers. ``today``: the local date now
    (a promise not yet due is open, neither kept nor broken)."""
    async with engine.connect() as conn:
        collectors = await _collectors(conn, wanted)
        daily = _daily_filter(wanted, collectors)
        by_day = await _grouped(conn, daily, Metric.CONTACT, StatsDaily.day, StatsDaily.channel)
        per_collector = await _per_collector(conn, daily)
        totals = await _totals(conn, daily)
        payments = await _payments(conn, wanted, collectors)
        promises = await _promises(conn, wanted, collectors, grace_days, today)
        opt_outs = await _opt_outs(conn, wanted)
        book = await _book(conn, wanted) if collectors is None else None
    refused = totals.get(Metric.REFUSED, {})
    deferred = totals.get(Metric.DEFERRED, {})
    paying = payments["paying_accounts"]
    return {
        "period": {"from": wanted.start.isoformat(), "to": wanted.end.isoformat()},
        "filters": {
            "team": wanted.team,
            "portfolio": wanted.portfolio,
            "collector": wanted.collector,
        },
        "contacts_by_day": [
            {"day": day.isoformat(), "channel": channel, "result": result, "count": n}
            for (day, channel, result), n in sorted(by_day.items())
        ],
        "collectors": per_collector,
        "refusals_by_rule": _listed(refused, "rule_id"),
        "deferrals_by_rule": _listed(deferred, "rule_id"),
        "caps_reached": sum(
            n
            for rule, n in {**_prefixed(refused, "b"), **_prefixed(deferred, "d")}.items()
            if rule[1:] in CAP_RULES
        ),
        "attempts": sum(totals.get(Metric.ATTEMPT, {}).values()),
        "attempts_outside_hours": sum(totals.get(Metric.OUTSIDE_HOURS, {}).values()),
        "opt_outs": opt_outs,
        "letters_returned": sum(totals.get(Metric.LETTER_RETURNED, {}).values()),
        "payments": payments["by_currency"],
        "promises": promises,
        "success_rate": _rate(paying, book["accounts"]) if book else None,
        "overdue_rate": book["overdue_rate"] if book else None,
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
    conn: AsyncConnection, where: list[ColumnElement[bool]], metric: str, *columns: Any
) -> dict[tuple[Any, ...], int]:
    rows = await conn.execute(
        select(*columns, StatsDaily.detail, func.sum(StatsDaily.count))
        .where(StatsDaily.metric == metric, *where)
        .group_by(*columns, StatsDaily.detail)
    )
    return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1]}


async def _per_collector(
    conn: AsyncConnection, where: list[ColumnElement[bool]]
) -> list[dict[str, Any]]:
    calls = StatsDaily.channel.in_([str(c) for c in CALL_CHANNELS])
    found: dict[str, dict[str, int]] = defaultdict(
        lambda: {"calls": 0, "visits": 0, "conversations": 0, "promises_to_pay": 0, "disputes": 0}
    )
    wheres = [*where, calls, StatsDaily.collector_id != ""]
    cols = (StatsDaily.collector_id, StatsDaily.channel)
    for (collector, channel, result), n in (
        await _grouped(conn, wheres, Metric.CONTACT, *cols)
    ).items():
        found[collector]["calls" if channel == ChannelKind.VOICE else "visits"] += n
        if result in (ContactResult.CONVERSATION, ContactResult.VISITED):
            found[collector]["conversations"] += n
    for (collector, _, kind), n in (
        await _grouped(conn, wheres, Metric.DISPOSITION, *cols)
    ).items():
        if kind == Disposition.PROMISE_TO_PAY:
            found[collector]["promises_to_pay"] += n
        elif kind == Disposition.DISPUTE:
            found[collector]["disputes"] += n
    return [{"collector_id": c, **counts} for c, counts in sorted(found.items())]


async def _totals(
    conn: AsyncConnection, where: list[ColumnElement[bool]]
) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for metric in (Metric.ATTEMPT, Metric.OUTSIDE_HOURS, Metric.REFUSED, Metric.DEFERRED,
                   Metric.LETTER_RETURNED):  # fmt: skip
        grouped = await _grouped(conn, where, metric)
        totals[metric] = {detail: n for (detail,), n in grouped.items()}
    return totals


def _listed(counts: dict[str, int], name: str) -> list[dict[str, Any]]:
    return [
        {name: key, "count": n} for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _prefixed(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {prefix + key: n for key, n in counts.items()}


def _rate(part: int, whole: int) -> str | None:
    return None if whole == 0 else str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")))


def _payment_filter(
    wanted: StatsFilter, collectors: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    where = [Payment.paid_on >= wanted.start, Payment.paid_on <= wanted.end]
    if wanted.portfolio is not None:
        where.append(Payment.portfolio == wanted.portfolio)
    if collectors is not None:
        where.append(Payment.attributed_collector_id.in_(sorted(collectors)))
    return where


async def _payments(
    conn: AsyncConnection, wanted: StatsFilter, collectors: frozenset[str] | None
) -> dict[str, Any]:
    """Amounts per currency, exact: summed as decimals (SQLite keeps them as text)."""
    rows = await conn.execute(
        select(Payment.currency, Payment.amount, Payment.debtor_ref, Payment.account_ref,
               Payment.attribution).where(*_payment_filter(wanted, collectors))
    )  # fmt: skip
    sums: dict[str, dict[str, Any]] = {}
    accounts: set[tuple[str, str]] = set()
    for row in rows:
        entry = sums.setdefault(
            row.currency, {"count": 0, "amount": Decimal(0), "attributed": Decimal(0)}
        )
        entry["count"] += 1
        entry["amount"] += row.amount
        if row.attribution != "none":
            entry["attributed"] += row.amount
        accounts.add((row.debtor_ref, row.account_ref))
    return {
        "paying_accounts": len(accounts),
        "by_currency": [
            {
                "currency": code,
                "count": e["count"],
                "recovered": str(e["amount"]),
                "attributed_to_contacts": str(e["attributed"]),
            }
            for code, e in sorted(sums.items())
        ],
    }


async def _promises(
    conn: AsyncConnection,
    wanted: StatsFilter,
    collectors: frozenset[str] | None,
    grace_days: int,
    today: date,
) -> dict[str, Any]:
    """Promises made in the period, and how many were kept: payments on the account, in the
    promise's currency, from when it was made to its date (plus ``grace_days``), add up to
    its amount. A promise whose date (with grace) has not passed yet and is not kept is open."""
    where = [StatsPromise.made_on >= wanted.start, StatsPromise.made_on <= wanted.end]
    if wanted.portfolio is not None:
        where.append(StatsPromise.portfolio == wanted.portfolio)
    if collectors is not None:
        where.append(StatsPromise.collector_id.in_(sorted(collectors)))
    paid = await conn.execute(
        select(StatsPromise.message_id, StatsPromise.amount, StatsPromise.due_on,
               Payment.amount.label("paid"), Payment.paid_on)
        .where(*where)
        .join(Payment, and_(Payment.debtor_ref == StatsPromise.debtor_ref,
                            Payment.account_ref == StatsPromise.account_ref,
                            Payment.currency == StatsPromise.currency,
                            Payment.paid_at >= StatsPromise.made_at), isouter=True)
    )  # fmt: skip
    grace = timedelta(days=grace_days)
    promised: dict[str, tuple[Decimal, date]] = {}
    total: dict[str, Decimal] = defaultdict(Decimal)
    for row in paid:
        promised[row.message_id] = (row.amount, row.due_on)
        if row.paid is not None and row.paid_on <= row.due_on + grace:
            total[row.message_id] += row.paid
    kept = sum(1 for m, (amount, _) in promised.items() if total[m] >= amount)
    open_ = sum(
        1 for m, (amount, due) in promised.items() if total[m] < amount and due + grace >= today
    )
    return {
        "made": len(promised),
        "kept": kept,
        "open": open_,
        "kept_rate": _rate(kept, len(promised) - open_),
    }


async def _opt_outs(conn: AsyncConnection, wanted: StatsFilter) -> int:
    start = datetime.combine(wanted.start, time(), UTC)
    end = datetime.combine(wanted.end + timedelta(days=1), time(), UTC)
    query = select(func.count()).where(
        Hold.kind == "opt_out", Hold.created_at >= start, Hold.created_at < end
    )
    if wanted.portfolio is not None:
        query = query.where(
            Hold.debtor_ref.in_(
                select(PortfolioAccount.debtor_ref).where(
                    PortfolioAccount.portfolio == wanted.portfolio
                )
            )
        )
    return int((await conn.execute(query)).scalar_one())


async def _book(conn: AsyncConnection, wanted: StatsFilter) -> dict[str, Any]:
    """The accounts on the book now (as the strategy module last reported them): how many,
    and the overdue rate per currency — the overdue balance over the whole balance."""
    overdue_now = (Account.days_overdue > 0).label("overdue")
    query = select(Account.currency, overdue_now, Account.amount)
    if wanted.portfolio is not None:
        query = query.join(
            PortfolioAccount,
            and_(
                PortfolioAccount.debtor_ref == Account.debtor_ref,
                PortfolioAccount.account_ref == Account.account_ref,
            ),
        ).where(PortfolioAccount.portfolio == wanted.portfolio)
    count = 0
    balance: defaultdict[str, Decimal] = defaultdict(Decimal)
    overdue: defaultdict[str, Decimal] = defaultdict(Decimal)
    for currency, is_overdue, amount, n in await _summed(conn, query):
        count += n
        balance[currency] += amount
        if is_overdue:
            overdue[currency] += amount
    return {
        "accounts": count,
        "overdue_rate": [
            {
                "currency": code,
                "overdue": str(overdue[code]),
                "balance": str(total),
                "rate": _rate_decimal(overdue[code], total),
            }
            for code, total in sorted(balance.items())
        ],
    }


def _rate_decimal(part: Decimal, whole: Decimal) -> str | None:
    return None if whole == 0 else str((part / whole).quantize(Decimal("0.0001")))


async def _summed(conn: AsyncConnection, query: Any) -> list[tuple[Any, Any, Decimal, int]]:
    """``query`` (key, key, amount) summed per key pair, exactly: by PostgreSQL's NUMERIC,
    or here (SQLite keeps amounts as text, and its SUM would go through floats)."""
    if conn.dialect.name == "postgresql":
        inner = query.subquery()
        keys = (inner.c[0], inner.c[1])
        rows = await conn.execute(select(*keys, func.sum(inner.c[2]), func.count()).group_by(*keys))
        return [(a, b, Decimal(total), int(n)) for a, b, total, n in rows]
    summed: dict[tuple[Any, Any], tuple[Decimal, int]] = {}
    for a, b, amount in await conn.execute(query):
        total, n = summed.get((a, b), (Decimal(0), 0))
        summed[(a, b)] = (total + amount, n + 1)
    return [(a, b, total, n) for (a, b), (total, n) in summed.items()]
