"""The vocabulary every part of the dispatcher shares: channels, statuses, event sources."""

from __future__ import annotations

import enum

__all__ = ["PENDING", "TERMINAL", "ChannelKind", "EventSource", "MessageStatus"]


class ChannelKind(enum.StrEnum):
    SMS = "sms"


class MessageStatus(enum.StrEnum):
    """Where one contact attempt stands. Bad input never gets a row: it is refused at enqueue."""

    QUEUED = "queued"  # accepted, waiting for a worker
    DEFERRED = "deferred"  # a rule said "not now"; scheduled_for says when it is checked again
    SENDING = "sending"  # a worker claimed it and is handing it to the provider
    SENT = "sent"  # the provider accepted it (provider and provider id are set)
    DELIVERED = "delivered"  # the provider reports it reached the handset
    UNDELIVERED = "undelivered"  # the provider reports the carrier could not deliver it
    FAILED = "failed"  # the provider refused it, or we gave up (error code and text say why)
    BLOCKED = "blocked"  # a compliance rule refused it (verdict says which and why)


PENDING = frozenset({MessageStatus.QUEUED, MessageStatus.DEFERRED})
TERMINAL = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.BLOCKED,
    }
)


class EventSource(enum.StrEnum):
    API = "api"  # the Python client or the HTTP API
    WORKER = "worker"  # the pipeline
    WEBHOOK = "webhook"  # a provider callback
    SWEEP = "sweep"  # the periodic sweep
