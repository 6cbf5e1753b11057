"""Payment events from the finance (or strategy) system: checked, attributed, kept once.

    recorded = await record_payment(engine, settings, event, reported_by="strategy:fin", now=now)

Money is exact: the amount arrives as a decimal string ("1234.50", never a JSON number,
which may lose cents), in a known ISO 4217 currency, with no more decimals than the
currency has (CNY 2, JPY 0). A payment id reported again with the same values is answered
with the stored payment (``replayed``); with other values it is refused, naming them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Debtor
from dispatcher.errors import DispatcherError, FieldProblem, InvalidRequest
from dispatcher.stats.attribution import attribute
from dispatcher.stats.checks import zone_for
from dispatcher.stats.models import Payment, PortfolioAccount
from dispatcher.stats.sql import insert_for

__all__ = [
    "AMOUNT",
    "CURRENCIES",
    "PaymentConflict",
    "PaymentEvent",
    "Recorded",
    "checked_payment",
    "payment_json",
    "record_payment",
]

AMOUNT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,3})?")
MAX_STORED_DECIMALS = 2  # the amount column is NUMERIC(18, 2)
FUTURE_SKEW = timedelta(minutes=5)  # a clock a little ahead of ours is not a mistake
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CURRENCIES = frozenset(list_currencies())  # ISO 4217, as babel knows them


class PaymentConflict(DispatcherError):
    """The payment id was reported before with other values (409)."""

    def __init__(self, payment_id: str, differ: list[str]) -> None:
        self.payment_id, self.fields = payment_id, ", ".join(differ) or "value"
        super().__init__(
            f"payment {payment_id} was reported before with another {self.fields}; "
            "a payment id names one payment"
        )


@dataclass(frozen=True)
class PaymentEvent:
    payment_id: str
    debtor_ref: str
    account_ref: str
    amount: Decimal
    currency: str
    paid_at: datetime

    def fingerprint(self) -> str:
        canonical = json.dumps(
            [self.debtor_ref, self.account_ref, str(self.amount), self.currency,
             self.paid_at.astimezone(UTC).isoformat()],
            separators=(",", ":"), ensure_ascii=False,
        )  # fmt: skip
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Recorded:
    payment: dict[str, Any]
    replayed: bool


def checked_payment(
    *, payment_id: str, debtor_ref: str, account_ref: str, amount: Any, currency: Any,
    paid_at: datetime, now: datetime,
) -> PaymentEvent:  # fmt: skip
    """The event, or ``InvalidRequest`` naming every bad field."""
    problems: list[FieldProblem] = []
    code = currency if isinstance(currency, str) else ""
    if code not in CURRENCIES:
        problems.append(
            FieldProblem("currency", "must be an ISO 4217 code such as CNY or USD",
                         code="payment.currency.invalid")
        )  # fmt: skip
    value = _amount(amount, code if code in CURRENCIES else None, problems)
    if paid_at > now + FUTURE_SKEW:
        problems.append(FieldProblem("paid_at", "is in the future", code="payment.paid_at.future"))
    elif paid_at < EARLIEST:
        problems.append(FieldProblem("paid_at", "is before 2000", code="payment.paid_at.too_early"))
    if problems:
        raise InvalidRequest(problems)
    assert value is not None
    return PaymentEvent(payment_id, debtor_ref, account_ref, value, code, paid_at.astimezone(UTC))


def _amount(raw: Any, currency: str | None, problems: list[FieldProblem]) -> Decimal | None:
    if not isinstance(raw, str) or not AMOUNT.fullmatch(raw):
        problems.append(
            FieldProblem(
                "amount",
                'must be a decimal string such as "1234.50" (not a JSON number)',
                code="payment.amount.not_a_string",
            )
        )
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        problems.append(
            FieldProblem("amount", "is not a decimal number", code="payment.amount.not_a_number")
        )
        return None
    if value <= 0:
        problems.append(
            FieldProblem("amount", "must be greater than 0", code="payment.amount.not_positive")
        )
        return None
    if currency is None:
        return value
    digits = min(get_currency_precision(currency), MAX_STORED_DECIMALS)
    if value.as_tuple().exponent < -digits:  # type: ignore[operator]
        problems.append(
            FieldProblem("amount", f"at most {digits} decimal places for {currency}",
                         code="payment.amount.too_precise",
                         params={"digits": digits, "currency": currency})
        )  # fmt: skip
        return None
    return value.quantize(Decimal(1).scaleb(-digits))


async def record_payment(
    engine: AsyncEngine, event: PaymentEvent, *, reported_by: str, now: datetime,
    attribution_window: timedelta,
) -> Recorded:  # fmt: skip
    """Store ``event`` with its attribution, once; ``PaymentConflict`` on a changed repeat."""
    async with engine.begin() as conn:
        stored = await _stored(conn, event.payment_id)
        if stored is None:
            credit = await attribute(
                conn, event.debtor_ref, event.account_ref, event.paid_at, attribution_window
            )
            recorded_zone = (
                await conn.execute(
                    select(Debtor.time_zone).where(Debtor.debtor_ref == event.debtor_ref)
                )
            ).scalar()
            portfolio = (
                await conn.execute(
                    select(PortfolioAccount.portfolio).where(
                        PortfolioAccount.debtor_ref == event.debtor_ref,
                        PortfolioAccount.account_ref == event.account_ref,
                    )
                )
            ).scalar()
            values = {
                "payment_id": event.payment_id, "fingerprint": event.fingerprint(),
                "debtor_ref": event.debtor_ref, "account_ref": event.account_ref,
                "amount": event.amount, "currency": event.currency, "paid_at": event.paid_at,
                "paid_on": event.paid_at.astimezone(zone_for(recorded_zone, credit.verdict)).date(),
                "portfolio": portfolio or "", "reported_by": reported_by, "received_at": now,
                **credit.columns(),
            }  # fmt: skip
            inserted = await conn.execute(
                insert_for(conn, Payment)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["payment_id"])
            )
            if inserted.rowcount == 1:
                return Recorded(payment_json(values), replayed=False)
            stored = await _stored(conn, event.payment_id)  # a concurrent report won
            assert stored is not None
    if stored["fingerprint"] != event.fingerprint():
        differ = [
            name for name in ("debtor_ref", "account_ref", "amount", "currency", "paid_at")
            if stored[name] != getattr(event, name)
        ]  # fmt: skip
        raise PaymentConflict(event.payment_id, differ)
    return Recorded(payment_json(stored), replayed=True)


async def _stored(conn: Any, payment_id: str) -> dict[str, Any] | None:
    row = (
        await conn.execute(select(Payment.__table__).where(Payment.payment_id == payment_id))
    ).first()
    return None if row is None else dict(row._asdict())


def payment_json(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment_id": values["payment_id"],
        "debtor_ref": values["debtor_ref"],
        "account_ref": values["account_ref"],
        "amount": {"value": str(values["amount"]), "currency": values["currency"]},
        "paid_at": values["paid_at"].isoformat(),
        "paid_on": values["paid_on"].isoformat(),
        "portfolio": values["portfolio"] or None,
        "attribution": {
            "kind": values["attribution"],
            "message_id": values["attributed_message_id"],
            "collector_id": values["attributed_collector_id"],
            "channel": values["attributed_channel"],
        },
    }
