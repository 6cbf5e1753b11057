"""The statistics room's bodies, declared once (``dispatcher.api.models``): a payment and
a portfolio's accounts as sent, and the payment, the assignment and the figures answered."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from dispatcher.api.models.base import Body, Ref, Shown, Stamp, Time

__all__ = [
    "BODIES", "Payment", "PaymentRequest", "PortfolioAssigned", "PortfolioRequest", "Stats",
]  # fmt: skip

# As the handlers check them (``Fields.text``): 1 to 100 characters.
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
# A decimal fraction as text, e.g. 0.1250; null when there is nothing to divide by.
Rate = Annotated[str | None, Field(description="A decimal fraction, e.g. 0.1250")]
Listed = list[dict[str, Any]]
MAX_ASSIGNED = 10_000  # accounts in one request


class PaymentRequest(Body):
    payment_id: Annotated[
        Text100, Field(description="The finance system's id: a repeat is a no-op")
    ]
    debtor_ref: Text100
    account_ref: Text100
    amount: Annotated[
        str,
        Field(
            pattern=r"^[0-9]{1,16}(\.[0-9]{1,3})?$",
            description="Exact decimal, no more places than the currency has",
        ),
    ]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]
    paid_at: Time


class PaymentAmount(Shown):
    value: str
    currency: str


class PaymentAttribution(Shown):
    """The contact a payment is credited to, if any."""

    kind: Literal["promise", "conversation", "contact", "none"]
    message_id: str | None
    collector_id: str | None
    channel: str | None


class Payment(Shown):
    payment_id: Text100
    debtor_ref: Text100
    account_ref: Text100
    amount: PaymentAmount
    paid_at: Stamp
    paid_on: date
    portfolio: str | None
    attribution: PaymentAttribution
    replayed: bool


class PortfolioAccount(Body):
    debtor_ref: Ref
    account_ref: Ref


class PortfolioRequest(Body):
    accounts: Annotated[list[PortfolioAccount], Field(min_length=1, max_length=MAX_ASSIGNED)]


class PortfolioAssigned(Shown):
    portfolio: Text100
    accounts: int


class StatsPeriod(Shown):
    from_: Annotated[date, Field(alias="from")]
    to: date


class StatsPromises(Shown):
    made: int
    kept: int
    open: int
    kept_rate: Rate


class Stats(Shown):
    period: StatsPeriod
    filters: dict[str, Any]
    contacts_by_day: Listed
    collectors: Listed
    refusals_by_rule: Listed
    deferrals_by_rule: Listed
    caps_reached: int
    attempts: int
    attempts_outside_hours: Annotated[int, Field(description="Must be 0: a real check")]
    opt_outs: int
    complaints: int
    letters_returned: int
    payments: Listed
    promises: StatsPromises
    success_rate: Rate
    overdue_rate: Listed | None


BODIES = (PaymentRequest, Payment, PortfolioRequest, PortfolioAssigned, Stats)
