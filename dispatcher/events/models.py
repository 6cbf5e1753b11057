"""The outbound events' tables: the journal the feed and the webhooks read, the
projection's place in each source, and the subscriptions with their deliveries.

None of them is written by the send path: the projection (``projector.py``) derives the
journal from the contact log afterwards, and the deliverer works from the journal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.contactlog.models import Base, BigId, JsonDocument

__all__ = [
    "JOURNAL_PRUNED",
    "EventSource",
    "OutboundEvent",
    "Subscription",
    "WebhookAttempt",
    "WebhookDelivery",
]


class OutboundEvent(Base):
    """One event as systems see it. ``seq`` is the global order (the feed's cursor): only
    one projection writes at a time, so a row's seq is higher than every row committed
    before it, and a reader that has seen seq N never meets a new row below N."""

    __tablename__ = "outbound_events"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)  # "evt_m123_message.sent"
    type: Mapped[str] = mapped_column(String(32))
    # Events of one thing (a message, a hold) are delivered in order of seq, per subscription.
    order_key: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[datetime]
    projected_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]  # in full; masked on the way out for roles that mask

    __table_args__ = (
        # A debtor's events, for retention to scrub (events/erasure.py, migration 0020).
        Index("ix_outbound_events_debtor", text("(data ->> 'debtor_ref')")),
        # Delivered events pruned by age (webhooks/pruning.py).
        Index("ix_outbound_events_projected_at", "projected_at"),
    )


# The EventSource row whose ``high`` is the highest journal seq retention has pruned: a
# feed reader whose cursor is below it has missed events (410).
JOURNAL_PRUNED = "journal.pruned"


class EventSource(Base):
    """Where the projection stands in one source table: every id up to ``high`` has been
    read, except the ``pending`` ones (taken by transactions not committed when it read;
    each with the time it was first missed) — a late commit is picked up, never skipped.
    And where pruning stands in the journal (``JOURNAL_PRUNED``)."""

    __tablename__ = "event_sources"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    high: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[list[Any]] = mapped_column(JsonDocument, default=list)
    mark: Mapped[datetime | None]  # sources read by time (hold lifts): the latest seen


class Subscription(Base):
    """A system that receives the events it asked for, signed, at its URL."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JsonDocument)  # ["*"]: every type
    role: Mapped[str] = mapped_column(String(16))  # whose view of the data: strategy masks
    # [{"secret": "whsec_…", "created_at": iso, "expires_at": iso | None}]; each one that
    # has not expired signs every delivery, so a secret rotates without downtime.
    secrets: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # journal seq fanned out so far
    lease_owner: Mapped[str | None] = mapped_column(String(100))  # the deliverer at work
    lease_until: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event owed to one subscription: pending until a 2xx, dead after the retries."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    seq: Mapped[int] = mapped_column(BigInteger)  # the event's journal seq
    event_id: Mapped[str] = mapped_column(String(80))
    order_key: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16))  # pending, delivered, dead
    # The first pending delivery of its thing: only such a one is sent (when due). Kept
    # as a flag, not worked out per query: the query stays linear in the pending ones.
    ready: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]  # delivered or dead

    __table_args__ = (
        UniqueConstraint("subscription_id", "seq", name="uq_webhook_deliveries_subscription_seq"),
        Index("ix_webhook_deliveries_due", "subscription_id", "ready", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "subscription_id", "order_key", "state", "seq"),
        Index("ix_webhook_deliveries_state_done_at", "state", "done_at"),  # pruning
    )


class WebhookAttempt(Base):
    """One HTTP request made for a delivery, kept for the admin to read."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(BigInteger, index=True)
    event_id: Mapped[str] = mapped_column(String(80))
    attempt: Mapped[int]
    at: Mapped[datetime]
    status: Mapped[int | None]  # the HTTP status; None when no answer came
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int]
