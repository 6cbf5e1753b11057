"""``POST /v1/payments``, ``PUT /v1/portfolios/{portfolio}/accounts`` and ``GET /v1/stats``.

Payments and portfolios come from programs (the strategy role: the finance system holds a
strategy key); statistics are read by compliance, admins and the strategy module.
"""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Query, read_body
from dispatcher.api.context import Api
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.errors import InvalidRequest
from dispatcher.stats.bodies import (
    Payment,
    PaymentRequest,
    PortfolioAssigned,
    PortfolioRequest,
    Stats,
)
from dispatcher.stats.models import PortfolioAccount
from dispatcher.stats.payments import PaymentConflict, checked_payment, record_payment
from dispatcher.stats.query import StatsFilter, figures
from dispatcher.stats.sql import upsert


def _storable(value: str) -> bool:
    """No NUL and no lone surrogate (PostgreSQL refuses both)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


__all__ = ["MAX_DAYS", "assign_portfolio", "get_stats", "report_payment"]

REF_MAX = 100
MAX_DAYS = 366  # the longest period one answer covers


@allow(Role.STRATEGY, Role.ADMIN)
async def report_payment(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    wanted = await read_body(request, PaymentRequest)
    now = api.deps.clock.now()
    try:
        event = checked_payment(
            payment_id=wanted.payment_id, debtor_ref=wanted.debtor_ref,
            account_ref=wanted.account_ref, amount=wanted.amount, currency=wanted.currency,
            paid_at=wanted.paid_at, now=now,
        )  # fmt: skip
        recorded = await record_payment(
            api.deps.log.engine, event, reported_by=f"{key.role}:{key.name}", now=now,
            attribution_window=timedelta(days=api.deps.settings.stats_attribution_days),
        )  # fmt: skip
    except InvalidRequest as exc:
        raise Problem.invalid(exc.problems) from None
    except PaymentConflict as exc:
        raise Problem(
            409, str(exc), code="payment_conflict",
            params={"payment_id": exc.payment_id, "fields": exc.fields},
        ) from None  # fmt: skip
    answer = Payment.model_validate({**recorded.payment, "replayed": recorded.replayed})
    return shown(answer, status=200 if recorded.replayed else 201)


@allow(Role.STRATEGY, Role.ADMIN)
async def assign_portfolio(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    """Put accounts in the portfolio (an account is in one portfolio; moving it is allowed)."""
    portfolio = request.match_info["portfolio"]
    listed = await read_body(request, PortfolioRequest)
    if not 0 < len(portfolio) <= REF_MAX or not _storable(portfolio):
        raise Problem.field(
            "portfolio", f"must be 1 to {REF_MAX} characters, without NUL",
            code="query.length", params={"max": REF_MAX},
        )  # fmt: skip
    now = api.deps.clock.now()
    rows = [
        {
            "debtor_ref": account.debtor_ref, "account_ref": account.account_ref,
            "portfolio": portfolio, "assigned_by": f"{key.role}:{key.name}", "assigned_at": now,
        }
        for account in listed.accounts
    ]  # fmt: skip
    async with api.deps.log.engine.begin() as conn:
        await upsert(conn, PortfolioAccount, rows, keys=["debtor_ref", "account_ref"])
    return shown(PortfolioAssigned(portfolio=portfolio, accounts=len(rows)))


def stats_filter(query: Query, today: date) -> StatsFilter:
    """The period and filters of a stats request (the last 30 days by default)."""
    start = _day(query, "from")
    end = _day(query, "to")
    end = end or today
    start = start or end - timedelta(days=29)
    if end < start:
        query.fail("to", "is before from", "stats.to.before_from")
    elif (end - start).days >= MAX_DAYS:
        query.fail(
            "to", f"the period is longer than {MAX_DAYS} days", "stats.to.too_long",
            max_days=MAX_DAYS,
        )  # fmt: skip
    wanted = StatsFilter(
        start, end, team=query.text("team", max_length=REF_MAX),
        portfolio=query.text("portfolio", max_length=REF_MAX),
        collector=query.text("collector", max_length=REF_MAX),
    )  # fmt: skip
    query.finish()
    return wanted


def _day(query: Query, name: str) -> date | None:
    raw = query.text(name, max_length=10)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        query.fail(name, "must be a date like 2026-11-30", "not_a_date")
        return None


@allow(Role.COMPLIANCE, Role.ADMIN, Role.STRATEGY)
async def get_stats(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    today = api.deps.clock.now().date()
    wanted = stats_filter(Query(request), today)
    found = await figures(
        api.deps.log.engine, wanted,
        grace_days=api.deps.settings.stats_promise_grace_days, today=today,
        attribution_days=api.deps.settings.stats_attribution_days,
    )  # fmt: skip
    return shown(Stats.model_validate(found))
