"""Asking the provider what became of texts whose delivery callback never came.

A callback can be lost (our server or database down when it came; Twilio retries only
some). A text still ``sent`` ``DELIVERY_CHECK_AFTER_S`` after it was handed over has its
status fetched by the provider's id, and again every as long until it is settled or
``ASK_FOR`` old: the answer is applied exactly as the callback would have been.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from channels.base import ChannelError, DeliveryStatus, StatusLookup
from dispatcher.contactlog.unsettled import reschedule, sent_awaiting_delivery
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.process.deps import Deps
from dispatcher.sending.outcomes import apply_provider_status

__all__ = ["ASK_FOR", "check_deliveries"]

log = logging.getLogger(__name__)

ASK_FOR = timedelta(days=3)
BATCH = 200


async def check_deliveries(deps: Deps, now: datetime) -> int:
    """Ask after one batch of texts awaiting delivery news; returns how many were asked."""
    lookups = {
        channel.provider: channel
        for channel in deps.channels.values()
        if isinstance(channel, StatusLookup)
    }
    waiting = await sent_awaiting_delivery(
        deps.log,
        providers=list(lookups),
        checked_before=now - timedelta(seconds=deps.settings.delivery_check_after_s),
        attempted_after=now - ASK_FOR,
        limit=BATCH,
    )
    for message in waiting:
        assert message.provider is not None and message.provider_message_id is not None
        try:
            status, raw = await lookups[message.provider].fetch_status(
                message.provider_message_id
            )
        except ChannelError as exc:
            log.warning("sweep: could not ask after %s's delivery: %s", message.id, exc)
            status, raw = DeliveryStatus.ACCEPTED, ""
        if status is DeliveryStatus.ACCEPTED:  # no news yet: ask again later
            await reschedule(deps.log, message.id, status=MessageStatus.SENT, at=now)
            continue
        await apply_provider_status(
            deps.log, message.id, provider=message.provider,
            provider_message_id=message.provider_message_id, status=status, raw_status=raw,
            source=EventSource.SWEEP,
        )  # fmt: skip
    return len(waiting)
