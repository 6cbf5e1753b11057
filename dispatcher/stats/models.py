"""The statistics' tables: payment events (append-only), portfolios, and the aggregates
that ``fold.py`` keeps from the contact log's events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.contactlog.models import Base, BigId, Money

__all__ = [
    "Payment",
    "PortfolioAccount",
    "StatsContact",
    "StatsCursor",
    "StatsDaily",
    "StatsPromise",
]


class Payment(Base):
    """One payment the finance system reported, with the contact it is attributed to.
    Written once (its ``payment_id`` makes a repeat a no-op), never changed."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(100), unique=True)  # the finance system's
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the event as reported
    debtor_ref: Mapped[str] = mapped_column(String(100))
    account_ref: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    paid_at: Mapped[datetime]
    paid_on: Mapped[date] = mapped_column(index=True)  # the debtor's local date of paid_at
    portfolio: Mapped[str] = mapped_column(String(100))  # "" when the account has none
    reported_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    # The contact credited with it (see attribution.py): promise, conversation, contact, none.
    attribution: Mapped[str] = mapped_column(String(16))
    attributed_message_id: Mapped[str | None] = mapped_column(String(26))
    attributed_collector_id: Mapped[str | None] = mapped_column(String(100))
    attributed_channel: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_payments_debtor_account_paid_at", "debtor_ref", "account_ref", "paid_at"),
    )


class PortfolioAccount(Base):
    """Which portfolio an account belongs to, as the strategy module assigned it."""

    __tablename__ = "portfolio_accounts"

    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    portfolio: Mapped[str] = mapped_column(String(100), index=True)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime]


class StatsDaily(Base):
    """A counter: how many of ``metric`` (with ``detail``) on one local day, per channel,
    collector and portfolio ("" where there is none). Only ever changed by the fold."""

    __tablename__ = "stats_daily"

    # The key leads with the metric, then the day: every figure reads one metric's days.
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    collector_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    portfolio: Mapped[str] = mapped_column(String(100), primary_key=True)
    detail: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class StatsContact(Base):
    """What one attempted message counts as in ``stats_daily`` now: the fold takes it back
    and counts the message again when its result or disposition changes."""

    __tablename__ = "stats_contacts"

    message_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(16))
    collector_id: Mapped[str] = mapped_column(String(100))
    portfolio: Mapped[str] = mapped_column(String(100))
    result: Mapped[str] = mapped_column(String(16))  # "pending" until known
    disposition: Mapped[str] = mapped_column(String(32))  # "" when none


class StatsPromise(Base):
    """A promise to pay a collector recorded, kept if payments reach its amount by its date."""

    __tablename__ = "stats_promises"

    message_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    debtor_ref: Mapped[str] = mapped_column(String(100))
    account_ref: Mapped[str] = mapped_column(String(100))
    collector_id: Mapped[str] = mapped_column(String(100))
    portfolio: Mapped[str] = mapped_column(String(100))
    made_at: Mapped[datetime]
    made_on: Mapped[date] = mapped_column(index=True)  # the debtor's local date
    due_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))


class StatsCursor(Base):
    """How far the fold has read the events: every event id up to ``last_event_id`` is in."""

    __tablename__ = "stats_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
