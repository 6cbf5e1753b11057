"""Lob-style letter tracking events, verified by their signature before anything else.

``POST /webhooks/lob/events``: the body is checked against ``Lob-Signature`` and
``Lob-Signature-Timestamp`` with ``LOB_WEBHOOK_SECRET`` (``channels.letters.lob_events``).
A missing, wrong or stale signature gets 401 and nothing is written.

Each event moves the letter forward only, once (a replayed event id changes nothing):

    letter.mailed, in_transit, ... (on its way)   → a note; sending → sent if need be
    letter.delivered                              → delivered
    letter.returned_to_sender                     → undelivered, and a ``bad_address`` hold
                                                    on the address: no more letters there

The letter is found by the message id we sent as its metadata, else by its provider id.
The first event also records the attempt's result, "sent" (the letter was posted): the
pipeline hands letters over without one.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy import select

from channels.base import DeliveryStatus
from channels.letters.lob_events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidSignature,
    TrackingEvent,
    parse_tracking_event,
)
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import UNSETTLED, ChannelKind, ContactResult, EventSource, MessageStatus
from dispatcher.errors import UnknownMessage
from dispatcher.web.keys import DEPS

__all__ = ["add_letter_routes", "apply_tracking_event", "lob_tracking_event"]

log = logging.getLogger(__name__)

PROVIDER = "lob"
RETURNED = "returned_to_sender"
_IN_FLIGHT = UNSETTLED | {MessageStatus.SENT}
_FINAL = {
    DeliveryStatus.DELIVERED: MessageStatus.DELIVERED,
    DeliveryStatus.UNDELIVERED: MessageStatus.UNDELIVERED,
}


def add_letter_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/lob/events", lob_tracking_event)


async def lob_tracking_event(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    body = await request.read()
    try:
        event = parse_tracking_event(
            body,
            request.headers.get(SIGNATURE_HEADER),
            deps.settings.lob_webhook_secret.reveal(),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
        )
    except InvalidSignature as exc:
        log.warning("rejected a letter tracking event: %s", exc)
        raise web.HTTPUnauthorized(text="invalid signature") from None
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    message = await _find_letter(deps.log, event)
    if message is None:
        raise web.HTTPNotFound(text="unknown letter")
    await apply_tracking_event(deps.log, message, event)
    return web.Response(status=204)


async def apply_tracking_event(log: ContactLog, message: Message, event: TrackingEvent) -> bool:
    """Record ``event`` for ``message``; False when it was a replay (nothing written)."""
    if await _seen(log, message.id, event.event_id):
        return False
    detail = {
        "provider_status": event.raw_event,
        "provider_message_id": event.provider_message_id,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
    }
    fields: dict[str, Any] = {
        "provider": PROVIDER,
        "provider_message_id": event.provider_message_id,
    }
    if message.result is None:
        fields["result"] = ContactResult.SENT  # it was posted, whatever happens to it next
    if event.address_bad:
        await log.add_hold(
            kind="bad_address", channel=ChannelKind.LETTER, destination=message.destination,
            set_by=f"provider:{PROVIDER}", source=f"provider:{PROVIDER}:{RETURNED}",
            reason=f"letter {event.provider_message_id} was returned to the sender",
        )  # fmt: skip
    moved = await _move(log, message, event, detail, fields)
    if not moved:  # on its way, or late: the log keeps it without changing the status
        await log.note(message.id, source=EventSource.WEBHOOK, detail=detail, **fields)
    return True


async def _move(
    log: ContactLog,
    message: Message,
    event: TrackingEvent,
    detail: dict[str, Any],
    fields: dict[str, Any],
) -> bool:
    if event.status is DeliveryStatus.ACCEPTED:
        return await log.transition(
            message.id, expect=UNSETTLED, to=MessageStatus.SENT,
            source=EventSource.WEBHOOK, detail=detail, **fields,
        )  # fmt: skip
    to = _FINAL[event.status]
    if to is MessageStatus.UNDELIVERED:
        fields |= {
            "error_code": RETURNED,
            "error_text": "the letter was returned to the sender",
            "error_retryable": False,
        }
    elif message.status == MessageStatus.UNKNOWN:  # the provider has now told us
        fields |= {"error_code": None, "error_text": None, "error_retryable": None}
    return await log.transition(
        message.id, expect=_IN_FLIGHT, to=to, source=EventSource.WEBHOOK, detail=detail, **fields
    )


async def _seen(log: ContactLog, message_id: str, event_id: str) -> bool:
    return any((e.detail or {}).get("event_id") == event_id for e in await log.events(message_id))


async def _find_letter(log: ContactLog, event: TrackingEvent) -> Message | None:
    """The letter by the message id sent as metadata, else by the provider's letter id."""
    if event.message_id is not None:
        try:
            message = await log.get(event.message_id)
        except UnknownMessage:
            message = None
        if message is not None and message.channel == ChannelKind.LETTER:
            return message
    async with log.engine.connect() as conn:
        found = (
            await conn.execute(
                select(Message.id).where(
                    Message.provider == PROVIDER,
                    Message.provider_message_id == event.provider_message_id,
                )
            )
        ).first()
    return None if found is None else await log.get(found[0])
