"""The periodic sweep: nothing committed to the contact log is ever left behind.

- A message committed while Redis was unreachable (or whose job was lost) is due but
  has no job: the sweep enqueues it again. Job ids make that a no-op when the job exists.
- A message left ``sending`` by a worker that died mid-send may or may not have reached
  the provider. Resending blindly could text the debtor twice. Where the channel can ask
  its provider (``SentLookup``: Twilio texts), the sweep asks: taken → ``sent``, with the
  provider's id (its callbacks follow); never taken → queued again, since nothing went
  out. Where it cannot ask, or the provider cannot say, the message is closed as failed
  with ``outcome_unknown`` (a late provider callback still records the truth).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from channels.base import ChannelError, SentLookup
from dispatcher.deps import Deps
from dispatcher.domain import EventSource, MessageStatus

__all__ = ["OUTCOME_UNKNOWN", "sweep"]

log = logging.getLogger(__name__)

OUTCOME_UNKNOWN = "outcome_unknown"
BATCH = 5000


async def sweep(ctx: dict[str, Any]) -> str:
    deps: Deps = ctx["deps"]
    settings, now = deps.settings, deps.clock.now()

    due = await deps.log.due(
        scheduled_before=now - timedelta(seconds=settings.sweep_grace_s), limit=BATCH
    )
    requeued = await deps.queue.enqueue(due, now=now) if due else 0

    stuck = await deps.log.stuck_sending(
        claimed_before=now - timedelta(seconds=settings.sending_timeout_s), limit=BATCH
    )
    for message_id in stuck:
        if not await _settled_by_provider(deps, message_id):
            await _close_unknown(deps, message_id)
    if requeued or stuck:
        log.warning("sweep: re-enqueued %d messages, closed %d stuck sends", requeued, len(stuck))
    return f"re-enqueued {requeued}, closed {len(stuck)}"


# A provider's clock and ours differ a little: a record this much before the claim counts.
CLOCK_SKEW = timedelta(minutes=1)


async def _settled_by_provider(deps: Deps, message_id: str) -> bool:
    """Ask the provider whether it took a message left ``sending``; True if settled."""
    message = await deps.log.get(message_id)
    channel = deps.channels.get(message.channel)
    if not isinstance(channel, SentLookup) or message.content is None or not message.attempted_at:
        return False
    try:
        found = await channel.find_sent(
            message.destination, message.content, since=message.attempted_at - CLOCK_SKEW
        )
    except ChannelError as exc:
        log.warning("sweep: could not ask the provider about %s: %s", message_id, exc)
        return False
    if found is not None:
        fields = {"provider": found.provider, "provider_message_id": found.provider_message_id}
        return await deps.log.transition(
            message_id, expect={MessageStatus.SENDING}, to=MessageStatus.SENT,
            source=EventSource.SWEEP, detail={**fields, "reconciled": "found at the provider"},
            **fields,
        )  # fmt: skip
    now = deps.clock.now()
    moved = await deps.log.transition(
        message_id, expect={MessageStatus.SENDING}, to=MessageStatus.QUEUED,
        source=EventSource.SWEEP, scheduled_for=now,
        detail={"reconciled": "the provider never took it: queued again"},
    )  # fmt: skip
    if moved:
        await deps.queue.enqueue([(message_id, now)], now=now)
    return moved


async def _close_unknown(deps: Deps, message_id: str) -> None:
    await deps.log.transition(
        message_id,
        expect={MessageStatus.SENDING},
        to=MessageStatus.FAILED,
        source=EventSource.SWEEP,
        detail={"error_code": OUTCOME_UNKNOWN},
        error_code=OUTCOME_UNKNOWN,
        error_text="the worker stopped while handing the message to the provider and no "
        "provider callback arrived; not resent, because it may have gone out",
        error_retryable=False,
    )
