"""The statistics room's bodies, declared once (``dispatcher.api.models``): a payment and
a portfolio's accounts as sent, and the payment, the assignment and the figures answered."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from dispatcher.api.models.base import Body, Ref, Shown, Stamp, Time
from dispatcher.stats.payments import AMOUNT, CURRENCIES

__all__ = [
    "BODIES", "Payment", "PaymentRequest", "PortfolioAssigned", "PortfolioRequest", "Stats",
]  # fmt: skip

# As the handlers check them (``Fields.text``): 1 to 100 characters.
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
# A decimal fraction as text, e.g. 0.1250; null when there is nothing to divide by.
Rate = Annotated[str | None, Field(description="A decimal fraction, e.g. 0.1250")]
MAX_ASSIGNED = 10_000  # accounts in one request


def _decimal_text(amount: str) -> str:
    if AMOUNT.fullmatch(amount) is None:
        raise PydanticCustomError(
            "payment.amount.not_a_string",
            'must be a decimal string such as "1234.50" (not a JSON number)',
        )
    return amount


def _known_currency(currency: str) -> str:
    if currency not in CURRENCIES:
        raise PydanticCustomError(
            "payment.currency.invalid", "must be an ISO 4217 code such as CNY or USD"
        )
    return currency


class PaymentRequest(Body):
    """Greater than 0, and no more decimals than the currency has: checked with the
    payment (``dispatcher.stats.payments``)."""

    payment_id: Annotated[
        Text100, Field(description="The finance system's id: a repeat is a no-op")
    ]
    debtor_ref: Text100
    account_ref: Text100
    amount: Annotated[
        str,
        Field(
            json_schema_extra={"pattern": f"^{AMOUNT.pattern}$"},
            description="Exact decimal, no more places than the currency has",
        ),
        AfterValidator(_decimal_text),
    ]
    currency: Annotated[
        str,
        Field(json_schema_extra={"pattern": r"^[A-Z]{3}$"}, description="ISO 4217"),
        AfterValidator(_known_currency),
    ]
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
    model_config = Shown.model_config | {"serialize_by_alias": True}  # "from" is a keyword

    from_: Annotated[date, Field(alias="from")]
    to: date


class StatsFilters(Shown):
    team: str | None
    portfolio: str | None
    collector: str | None


class ContactsOnDay(Shown):
    day: Annotated[date, Field(description="The debtor's local day")]
    channel: str
    result: str
    count: int


class RuleCount(Shown):
    rule_id: str
    count: int


class Amount(Shown):
    currency: str
    amount: Annotated[str, Field(description="Exact decimal")]


class CollectorFigures(Shown):
    collector_id: str
    calls: int
    visits: int
    conversations: int
    promises_to_pay: int
    disputes: int
    complaints: int
    promises_kept: int
    recovered: Annotated[list[Amount], Field(description="Payments credited, by currency")]


class Recovered(Shown):
    currency: str
    count: int
    recovered: Annotated[str, Field(description="Exact decimal")]
    attributed_to_contacts: Annotated[str, Field(description="Exact decimal")]


class OverdueRate(Shown):
    currency: str
    overdue: Annotated[str, Field(description="Exact decimal")]
    balance: Annotated[str, Field(description="Exact decimal")]
    rate: Rate


class StatsPromises(Shown):
    made: int
    kept: int
    open: int
    kept_rate: Rate


class Stats(Shown):
    period: StatsPeriod
    filters: StatsFilters
    contacts_by_day: list[ContactsOnDay]
    collectors: list[CollectorFigures]
    refusals_by_rule: list[RuleCount]
    deferrals_by_rule: list[RuleCount]
    caps_reached: int
    attempts: int
    attempts_outside_hours: Annotated[int, Field(description="Must be 0: a real check")]
    opt_outs: int
    complaints: int
    letters_returned: int
    payments: Annotated[list[Recovered], Field(description="By currency")]
    promises: StatsPromises
    success_rate: Rate
    overdue_rate: Annotated[
        list[OverdueRate] | None, Field(description="By currency: overdue over the whole balance")
    ]


BODIES = (PaymentRequest, Payment, PortfolioRequest, PortfolioAssigned, Stats)
