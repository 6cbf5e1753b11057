"""Twilio's message status vocabulary, translated into ours.

Twilio's status strings never leave ``channels/twilio/``: everything outside sees a
``DeliveryStatus``.
"""

from __future__ import annotations

from types import MappingProxyType

from channels.base import DeliveryStatus

__all__ = ["TWILIO_STATUSES", "delivery_status"]

#: Every outbound MessageStatus we understand. Inbound-only values ("receiving",
#: "received") and "partially_delivered" are deliberately absent: they are not
#: outcomes of an SMS we sent, so seeing one is an error worth surfacing.
TWILIO_STATUSES: MappingProxyType[str, DeliveryStatus] = MappingProxyType(
    {
        "queued": DeliveryStatus.ACCEPTED,
        "accepted": DeliveryStatus.ACCEPTED,
        "scheduled": DeliveryStatus.ACCEPTED,
        "sending": DeliveryStatus.ACCEPTED,
        "sent": DeliveryStatus.ACCEPTED,
        "delivered": DeliveryStatus.DELIVERED,
        "read": DeliveryStatus.DELIVERED,
        "undelivered": DeliveryStatus.UNDELIVERED,
        "failed": DeliveryStatus.FAILED,
        "canceled": DeliveryStatus.FAILED,
    }
)


def delivery_status(twilio_status: str) -> DeliveryStatus:
    """Map a Twilio MessageStatus (case-insensitive) to a ``DeliveryStatus``.

    Raises ``ValueError`` for a status we do not know.
    """
    try:
        return TWILIO_STATUSES[twilio_status.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown Twilio message status: {twilio_status!r}") from None
