"""Settling a send whose outcome is unknown, by asking the provider — never by guessing.

A message is ``sending`` past ``SENDING_TIMEOUT_S`` (its worker died mid-send) or
``unknown`` (a timeout or a 5xx after the request left) and its lookup is due. The
provider's records of the same text to the same number, back to a day before our attempt
(a generous window, so that a provider clock minutes or hours off ours changes nothing),
decide:

    no record to the number that is not already
    another message's                                 → never taken: queued again while
                                                         tries last, else failed
    exactly one such record with our text, and no
    other unsettled identical message of ours         → taken: ``sent``, with its id
    more than one, or twins of ours unsettled, or
    records only with another text (a provider may
    re-encode a text: ours, perhaps)                  → ``unknown``, saying why
    the provider cannot be asked                      → ``unknown``, asked again later

A call is looked up by the number it rang first (the collector's, for a collector's
call) and has no text to compare. A channel whose provider takes our message id as an
idempotency key (letters) is simply queued again, within the window the provider keeps
keys: the same key cannot post twice.

A provider record settles at most one of our messages: ids already recorded are never
matched again. ``unknown`` counts toward every cap, and the provider's own callback still
settles it whenever it comes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from channels.base import ChannelError, IdempotentSend, Receipt, SentLookup
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.unsettled import (
    due_for_lookup,
    recorded_provider_ids,
    reschedule,
    unsettled_twins,
)
from dispatcher.domain import UNSETTLED, ChannelKind, ContactResult, EventSource, MessageStatus
from dispatcher.process.deps import Deps
from dispatcher.sending.pipeline import tries_left

__all__ = ["GIVE_UP_LOOKING_AFTER", "LOOKBACK", "settle", "settle_unsettled"]

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=1)
LOOK_AGAIN_AFTER = timedelta(minutes=30)
GIVE_UP_LOOKING_AFTER = timedelta(days=3)
BATCH = 500
# A text or letter handed over is its result; a call's result comes with its callbacks.
_HANDED_OVER = frozenset({ChannelKind.SMS, ChannelKind.LETTER})


async def settle_unsettled(deps: Deps, now: datetime) -> int:
    """Look up every send due for settling; returns how many were looked at."""
    due = await due_for_lookup(
        deps.log,
        sending_before=now - timedelta(seconds=deps.settings.sending_timeout_s),
        now=now,
        attempted_after=now - GIVE_UP_LOOKING_AFTER,
        limit=BATCH,
    )
    for message_id in due:
        outcome = await settle(deps, message_id, now)
        log.info("sweep: settled %s: %s", message_id, outcome)
    return len(due)


async def settle(deps: Deps, message_id: str, now: datetime) -> str:
    message = await deps.log.get(message_id)
    if message.status not in UNSETTLED:
        return f"settled meanwhile: {message.status}"
    channel = deps.channels.get(message.channel)
    if (
        isinstance(channel, IdempotentSend)
        and message.attempted_at
        and now - message.attempted_at < channel.idempotency_window
    ):
        why = "its provider keeps our id as the idempotency key: sent again with it"
        return await _send_again(deps, message, now, why)
    if not isinstance(channel, SentLookup) or message.content is None or not message.attempted_at:
        why = "its provider cannot be asked whether it took it; only its callback can settle it"
        return await _unknown(deps, message, why, next_look=_give_up_at(message))
    try:
        number = await _first_leg(deps, message)
        found = await channel.find_sent(number, since=message.attempted_at - LOOKBACK)
    except ChannelError as exc:
        why = f"the provider could not be asked ({exc}); asked again later"
        return await _unknown(deps, message, why, next_look=now + LOOK_AGAIN_AFTER)
    ids = [record.receipt.provider_message_id for record in found]
    claimed = await recorded_provider_ids(deps.log, channel.provider, ids)
    unclaimed = [r for r in found if r.receipt.provider_message_id not in claimed]
    same = [r.receipt for r in unclaimed if r.body in (None, message.content)]
    if not unclaimed:
        return await _send_again(deps, message, now, "the provider never took it")
    if not same:
        why = (
            f"the provider has {len(unclaimed)} record(s) to this number that are none of "
            f"ours, with another text ({_ids(r.receipt for r in unclaimed)}): it may have "
            "re-encoded ours, so it is not taken for never sent"
        )
        return await _unknown(deps, message, why, next_look=now + LOOK_AGAIN_AFTER)
    twins = await unsettled_twins(deps.log, message)
    if len(same) == 1 and not twins:
        return await _taken(deps, message, same[0])
    why = (
        f"the provider has {len(same)} unclaimed record(s) of this text to this number "
        f"({_ids(same)}) and {len(twins)} other identical message(s) of ours are unsettled "
        f"({', '.join(twins[:5])}): which record is whose cannot be told"
    )
    return await _unknown(deps, message, why, next_look=now + LOOK_AGAIN_AFTER)


async def _first_leg(deps: Deps, message: Message) -> str:
    """The number the provider was asked to reach first: a collector's call rings the
    collector, then bridges the debtor; everything else goes to the destination."""
    if message.channel != ChannelKind.VOICE or not message.collector_id:
        return message.destination
    collector = await deps.log.collectors.get(message.collector_id)
    if collector is None or not collector.phone:
        raise ChannelError("no_collector", f"collector {message.collector_id} has no phone")
    return collector.phone


def _ids(receipts: Iterable[Receipt]) -> str:
    return ", ".join(r.provider_message_id for r in list(receipts)[:5])


async def _taken(deps: Deps, message: Message, record: Receipt) -> str:
    fields = {"provider": record.provider, "provider_message_id": record.provider_message_id}
    handed_over = {"result": ContactResult.SENT} if message.channel in _HANDED_OVER else {}
    moved = await deps.log.transition(
        message.id, expect=UNSETTLED, to=MessageStatus.SENT, source=EventSource.SWEEP,
        detail={**fields, "reconciled": "found at the provider: the only record it could be"},
        error_code=None, error_text=None, error_retryable=None, **fields, **handed_over,
    )  # fmt: skip
    return f"found at the provider: {record.provider_message_id}" if moved else "moved on"


async def _send_again(deps: Deps, message: Message, now: datetime, why: str) -> str:
    """Queue it again (a new try, counted) while tries last; else close it as failed."""
    tries, most = message.attempts, deps.settings.send_max_tries
    if not tries_left(tries, most):
        text = f"gave up after {tries} tries: {why}"
        moved = await deps.log.transition(
            message.id, expect=UNSETTLED, to=MessageStatus.FAILED, source=EventSource.SWEEP,
            detail={"reconciled": why, "error_code": "max_tries"},
            error_code="max_tries", error_text=text, error_retryable=True,
        )  # fmt: skip
        return text if moved else "moved on"
    moved = await deps.log.transition(
        message.id, expect=UNSETTLED, to=MessageStatus.QUEUED, source=EventSource.SWEEP,
        scheduled_for=now, error_code=None, error_text=None, error_retryable=None,
        detail={"reconciled": f"{why}: queued again (try {tries + 1} of {most})"},
    )  # fmt: skip
    if moved:
        await deps.queue.offer([(message.id, now)], now=now)
    return f"{why}: queued again" if moved else "moved on"


async def _unknown(deps: Deps, message: Message, why: str, *, next_look: datetime) -> str:
    """Record that the outcome is unknown and why; the same reason again only moves the
    time of the next lookup (one event per reason, not per sweep)."""
    if message.status == MessageStatus.UNKNOWN and message.error_text == why:
        await reschedule(deps.log, message.id, status=MessageStatus.UNKNOWN, at=next_look)
        return f"still unknown: {why}"
    await deps.log.transition(
        message.id, expect=UNSETTLED, to=MessageStatus.UNKNOWN, source=EventSource.SWEEP,
        detail={"error_code": "outcome_unknown", "error_text": why},
        scheduled_for=next_look, error_code="outcome_unknown", error_text=why,
        error_retryable=False,
    )  # fmt: skip
    return f"unknown: {why}"


def _give_up_at(message: Message) -> datetime:
    return (message.attempted_at or message.updated_at) + GIVE_UP_LOOKING_AFTER
