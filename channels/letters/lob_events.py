"""Lob-style tracking events: check the webhook's signature, then say what happened.

The provider POSTs a JSON event for each step of a letter's journey through the mail,
signed in two headers: ``Lob-Signature-Timestamp`` (Unix time, milliseconds) and
``Lob-Signature``, the hex HMAC-SHA256 of ``"{timestamp}.{raw body}"`` keyed with the
webhook's secret. The handler passes the raw body bytes and both headers to
``parse_tracking_event``; a missing, wrong or stale signature raises ``InvalidSignature``
(answer 401 and change nothing), an event we cannot read raises ``ValueError`` (400).

    letter.mailed, letter.in_transit, letter.in_local_area,
    letter.processed_for_delivery, letter.re-routed      → ACCEPTED (still on its way)
    letter.delivered                                      → DELIVERED
    letter.returned_to_sender                             → UNDELIVERED, address_bad=True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from channels.base import DeliveryStatus

__all__ = [
    "LOB_EVENTS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "InvalidSignature",
    "TrackingEvent",
    "parse_tracking_event",
    "sign_tracking_event",
]

SIGNATURE_HEADER = "Lob-Signature"
TIMESTAMP_HEADER = "Lob-Signature-Timestamp"

#: Every letter event we understand. Others (letter.created, certified-mail events, ...)
#: are refused with ValueError: subscribe the webhook to these only.
LOB_EVENTS: MappingProxyType[str, DeliveryStatus] = MappingProxyType(
    {
        "letter.mailed": DeliveryStatus.ACCEPTED,
        "letter.in_transit": DeliveryStatus.ACCEPTED,
        "letter.in_local_area": DeliveryStatus.ACCEPTED,
        "letter.processed_for_delivery": DeliveryStatus.ACCEPTED,
        "letter.re-routed": DeliveryStatus.ACCEPTED,
        "letter.delivered": DeliveryStatus.DELIVERED,
        "letter.returned_to_sender": DeliveryStatus.UNDELIVERED,
    }
)


class InvalidSignature(ValueError):
    """The event is not signed with our secret, or the signature is too old."""


@dataclass(frozen=True)
class TrackingEvent:
    event_id: str  # the provider's id for this event ("evt_..."): deduplicate on it
    provider_message_id: str  # the letter's id, as in ``Receipt.provider_message_id``
    status: DeliveryStatus
    raw_event: str  # the provider's own word, for the contact log's audit trail
    occurred_at: datetime | None
    address_bad: bool  # returned to sender: do not post to this address again
    message_id: str | None = None  # our id, from the letter's ``metadata[message_id]``


def sign_tracking_event(body: bytes, secret: str, timestamp: str) -> str:
    """The ``Lob-Signature`` of ``body`` sent at ``timestamp`` (used by fakes and tests)."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def parse_tracking_event(
    body: bytes,
    signature: str | None,
    secret: str,
    *,
    timestamp: str | None,
    tolerance_s: float = 300.0,
    now: Callable[[], float] = time.time,
) -> TrackingEvent:
    """Check the signature of a tracking webhook, then parse it.

    ``timestamp`` is the ``Lob-Signature-Timestamp`` header (milliseconds; seconds are
    accepted too). Events signed more than ``tolerance_s`` from ``now()`` are refused, so a
    captured request cannot be replayed later.
    """
    _verify(body, signature, secret, timestamp, tolerance_s, now())
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"tracking event is not JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise ValueError("tracking event is not a JSON object")
    event_type = event.get("event_type")
    raw = event_type.get("id") if isinstance(event_type, dict) else event_type
    if not isinstance(raw, str) or raw not in LOB_EVENTS:
        raise ValueError(f"unknown tracking event type: {raw!r}")
    letter = event.get("body")
    letter_id = letter.get("id") if isinstance(letter, dict) else None
    letter_id = letter_id or event.get("reference_id")
    if not isinstance(letter_id, str) or not letter_id:
        raise ValueError("tracking event without a letter id")
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("tracking event without an id")
    return TrackingEvent(
        event_id=event_id,
        provider_message_id=letter_id,
        status=LOB_EVENTS[raw],
        raw_event=raw,
        occurred_at=_datetime(event.get("date_created")),
        address_bad=raw == "letter.returned_to_sender",
        message_id=_metadata_message_id(letter),
    )


def _metadata_message_id(letter: object) -> str | None:
    metadata = letter.get("metadata") if isinstance(letter, dict) else None
    value = metadata.get("message_id") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def _verify(
    body: bytes,
    signature: str | None,
    secret: str,
    timestamp: str | None,
    tolerance_s: float,
    now_s: float,
) -> None:
    if not secret:
        raise InvalidSignature("no webhook secret is configured: refusing every event")
    if not signature or not timestamp:
        raise InvalidSignature("the event is not signed")
    if not (signature.isascii() and timestamp.isascii()):
        raise InvalidSignature("the signature headers are not ASCII")
    try:
        stamp = float(timestamp)
    except ValueError:
        raise InvalidSignature(f"bad signature timestamp {timestamp!r}") from None
    sent_s = stamp / 1000 if stamp > 1e11 else stamp  # milliseconds, or seconds
    if abs(now_s - sent_s) > tolerance_s:
        raise InvalidSignature(f"signature timestamp is {abs(now_s - sent_s):.0f} s off")
    expected = sign_tracking_event(body, secret, timestamp)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise InvalidSignature("signature does not match")


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
