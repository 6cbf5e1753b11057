"""What payments say: amounts recovered, promises kept, the book's success and overdue rates.

Amounts are exact: summed as decimals here (SQLite keeps them as text, and its SUM would go
through floats) or by PostgreSQL's NUMERIC. With a team or a collector, only payments and
promises attributed to them count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import Account
from dispatcher.stats.models import Payment, PortfolioAccount, StatsPromise
from dispatcher.workspace.models import DebtorAssignment

if TYPE_CHECKING:
    from dispatcher.stats.query import StatsFilter

__all__ = ["PerCollector", "book_figures", "payment_figures", "promise_figures", "rate"]

PerCollector = dict[str, dict[str, Any]]


def rate(part: int, whole: int) -> str | None:
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


async def payment_figures(
    conn: AsyncConnection, wanted: StatsFilter, collectors: frozenset[str] | None,
    by_collector: PerCollector,
) -> dict[str, Any]:  # fmt: skip
    """Amounts per currency; each collector's attributed amounts go into ``by_collector``."""
    rows = await conn.execute(
        select(Payment.currency, Payment.amount, Payment.attribution,
               Payment.attributed_collector_id)
        .where(*_payment_filter(wanted, collectors))
    )  # fmt: skip
    sums: dict[str, dict[str, Any]] = {}
    credited: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        entry = sums.setdefault(
            row.currency, {"count": 0, "amount": Decimal(0), "attributed": Decimal(0)}
        )
        entry["count"] += 1
        entry["amount"] += row.amount
        if row.attribution != "none":
            entry["attributed"] += row.amount
        if row.attributed_collector_id:
            credited[row.attributed_collector_id][row.currency] += row.amount
    for collector, amounts in credited.items():
        by_collector[collector]["recovered"] = [
            {"currency": code, "amount": str(amount)} for code, amount in sorted(amounts.items())
        ]
    return {
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


async def promise_figures(
    conn: AsyncConnection,
    wanted: StatsFilter,
    collectors: frozenset[str] | None,
    by_collector: PerCollector,
    *,
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
        select(StatsPromise.message_id, StatsPromise.collector_id, StatsPromise.amount,
               StatsPromise.due_on, Payment.amount.label("paid"), Payment.paid_on)
        .where(*where)
        .join(Payment, and_(Payment.debtor_ref == StatsPromise.debtor_ref,
                            Payment.account_ref == StatsPromise.account_ref,
                            Payment.currency == StatsPromise.currency,
                            Payment.paid_at >= StatsPromise.made_at), isouter=True)
    )  # fmt: skip
    grace = timedelta(days=grace_days)
    promised: dict[str, tuple[Decimal, date]] = {}
    made_by: dict[str, str] = {}
    total: dict[str, Decimal] = defaultdict(Decimal)
    for row in paid:
        promised[row.message_id] = (row.amount, row.due_on)
        made_by[row.message_id] = row.collector_id
        if row.paid is not None and row.paid_on <= row.due_on + grace:
            total[row.message_id] += row.paid
    kept_ones = {m for m, (amount, _) in promised.items() if total[m] >= amount}
    kept = len(kept_ones)
    for message_id in kept_ones:
        if made_by[message_id]:
            entry = by_collector[made_by[message_id]]
            entry["promises_kept"] = entry.get("promises_kept", 0) + 1
    open_ = sum(
        1 for m, (amount, due) in promised.items() if total[m] < amount and due + grace >= today
    )
    return {
        "made": len(promised),
        "kept": kept,
        "open": open_,
        "kept_rate": rate(kept, len(promised) - open_),
    }


def _on_the_book(query: Any, wanted: StatsFilter, collectors: frozenset[str] | None) -> Any:
    """``query`` over accounts narrowed to the book the figures are about: the portfolio's
    accounts; with a team or a collector, the accounts of the debtors assigned to them."""
    if wanted.portfolio is not None:
        query = query.join(
            PortfolioAccount,
            and_(
                PortfolioAccount.debtor_ref == Account.debtor_ref,
                PortfolioAccount.account_ref == Account.account_ref,
            ),
        ).where(PortfolioAccount.portfolio == wanted.portfolio)
    if collectors is not None:
        assigned = select(DebtorAssignment.debtor_ref).where(
            DebtorAssignment.collector_id.in_(sorted(collectors))
        )
        query = query.where(Account.debtor_ref.in_(assigned))
    return query


async def book_figures(
    conn: AsyncConnection, wanted: StatsFilter, collectors: frozenset[str] | None
) -> dict[str, Any]:
    """The accounts on the book now (as the strategy module last reported them; a team's
    or a collector's book: the accounts of the debtors assigned to them): how many, the
    success rate — the share of them with a payment in the period — and the overdue rate
    per currency — the overdue balance over the whole balance."""
    overdue_now = (Account.days_overdue > 0).label("overdue")
    query = _on_the_book(select(Account.currency, overdue_now, Account.amount), wanted, collectors)
    count = 0
    balance: defaultdict[str, Decimal] = defaultdict(Decimal)
    overdue: defaultdict[str, Decimal] = defaultdict(Decimal)
    for currency, is_overdue, amount, n in await _summed(conn, query):
        count += n
        balance[currency] += amount
        if is_overdue:
            overdue[currency] += amount
    # From the period's payments (by their day's index) to their accounts, not the reverse.
    paid_in_period = and_(
        Payment.debtor_ref == Account.debtor_ref,
        Payment.account_ref == Account.account_ref,
        Payment.paid_on >= wanted.start,
        Payment.paid_on <= wanted.end,
    )
    paying = _on_the_book(
        select(Account.debtor_ref, Account.account_ref).join(Payment, paid_in_period).distinct(),
        wanted,
        collectors,
    ).subquery()
    paid = (await conn.execute(select(func.count()).select_from(paying))).scalar_one()
    return {
        "accounts": count,
        "success_rate": rate(int(paid), count),
        "overdue_rate": [
            {
                "currency": code,
                "overdue": str(overdue[code]),
                "balance": str(total),
                "rate": rate_of_amounts(overdue[code], total),
            }
            for code, total in sorted(balance.items())
        ],
    }


def rate_of_amounts(part: Decimal, whole: Decimal) -> str | None:
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
