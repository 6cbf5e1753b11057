"""Provider callbacks into the contact log: late, repeated and out of order, all handled.

A provider status only ever moves a message forward: a late "accepted" never overwrites
"delivered", and a replayed callback changes nothing the second time. A status about a
provider message other than the one recorded (the provider took ours twice) is noted as
such, never written over the first.
"""

from __future__ import annotations

from channels.base import DeliveryStatus
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import UNSETTLED, EventSource, MessageStatus

__all__ = ["apply_provider_status"]

_IN_FLIGHT = UNSETTLED | {MessageStatus.SENT}

# provider status -> (our status, the statuses it may move a message from)
_FORWARD: dict[DeliveryStatus, tuple[MessageStatus, frozenset[MessageStatus]]] = {
    DeliveryStatus.ACCEPTED: (MessageStatus.SENT, UNSETTLED),
    DeliveryStatus.DELIVERED: (MessageStatus.DELIVERED, _IN_FLIGHT),
    DeliveryStatus.UNDELIVERED: (MessageStatus.UNDELIVERED, _IN_FLIGHT),
    DeliveryStatus.FAILED: (MessageStatus.FAILED, _IN_FLIGHT),
}


async def apply_provider_status(
    log: ContactLog,
    message_id: str,
    *,
    provider: str,
    provider_message_id: str,
    status: DeliveryStatus,
    raw_status: str,
    error_code: str | None = None,
    source: EventSource = EventSource.WEBHOOK,
) -> bool:
    """Record a provider's status for a message; False when it was stale or a repeat."""
    to, expect = _FORWARD[status]
    message = await log.get(message_id)
    detail = {
        "provider_status": raw_status,
        "provider_message_id": provider_message_id,
        "error_code": error_code,
    }
    recorded = message.provider_message_id
    if recorded and recorded != provider_message_id and message.provider == provider:
        await log.note(message_id, source=source, detail={**detail, "second_at_provider": True})
        return False
    changes: dict[str, str | bool | None] = {
        "provider": provider,
        "provider_message_id": provider_message_id,
    }
    if to in {MessageStatus.FAILED, MessageStatus.UNDELIVERED}:
        changes |= {
            "error_code": error_code,
            "error_text": f"provider status {raw_status}",
            "error_retryable": False,
        }
    elif message.status == MessageStatus.UNKNOWN:  # the provider has now told us
        changes |= {"error_code": None, "error_text": None, "error_retryable": None}
    return await log.transition(
        message_id,
        expect=expect,
        to=to,
        source=source,
        detail=detail,
        **changes,
    )
