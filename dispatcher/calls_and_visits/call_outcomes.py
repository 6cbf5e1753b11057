"""Call progress into the contact log: forward only, and each callback counted once.

The debtor's leg decides what a call came to:

    answered by a person              delivered    result answered
    answered by a machine (or fax)    delivered    result voicemail
    no answer                         undelivered  result unanswered
    busy                              undelivered  result busy
    failed (not in service, ...)      undelivered  result unconnected
    canceled after it rang            undelivered  result unanswered
    canceled before it rang           failed       result failed

A bridged call whose collector leg ends before the debtor's leg ever started never
reached the debtor: failed, result failed, error ``collector_unreachable``.

``result`` is set once, when the outcome becomes final (caps count by it; while it is
NULL the attempt is in flight). Every distinct callback is kept, raw, in an event; a
repeat of one already kept writes nothing, and a late one never moves a message back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from channels.twilio.call_status import CallbackKind, CallLeg, CallOutcome, CallProgress, is_machine
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import UNSETTLED, ContactResult, EventSource, MessageStatus

__all__ = ["COLLECTOR_UNREACHABLE", "apply_call_progress", "apply_machine_detection"]

COLLECTOR_UNREACHABLE = "collector_unreachable"

_OPEN = UNSETTLED | {MessageStatus.SENT}
# A debtor-leg outcome may still settle this: the collector leg's end was heard before
# the debtor leg's start (callbacks out of order).
_REOPENABLE = frozenset({COLLECTOR_UNREACHABLE})

_SETTLED: dict[CallOutcome, tuple[MessageStatus, ContactResult]] = {
    CallOutcome.ANSWERED: (MessageStatus.DELIVERED, ContactResult.ANSWERED),
    CallOutcome.MACHINE: (MessageStatus.DELIVERED, ContactResult.VOICEMAIL),
    CallOutcome.NO_ANSWER: (MessageStatus.UNDELIVERED, ContactResult.UNANSWERED),
    CallOutcome.BUSY: (MessageStatus.UNDELIVERED, ContactResult.BUSY),
    CallOutcome.UNCONNECTED: (MessageStatus.UNDELIVERED, ContactResult.UNCONNECTED),
}


async def apply_call_progress(
    log: ContactLog, message_id: str, progress: CallProgress, params: Mapping[str, str]
) -> bool:
    """Record one voice callback; False when it was a repeat or changed no status.

    Raises ``UnknownMessage`` for a message id the log does not have.
    """
    message = await log.get(message_id)
    events = await log.events(message_id)
    if _seen(events, progress.key):
        return False
    detail = _detail(progress, params)
    if progress.kind is CallbackKind.RECORDING:
        return await _recording(log, message, progress, detail)
    if progress.kind is CallbackKind.DIAL or not progress.final:
        return await _progress(log, message, progress, detail)
    if progress.leg is CallLeg.DEBTOR:
        return await _debtor_ended(log, message, events, progress, detail)
    return await _collector_ended(log, message, events, progress, detail)


async def apply_machine_detection(
    log: ContactLog, message_id: str, *, leg: CallLeg, call_sid: str, answered_by: str | None
) -> bool:
    """Record who answered, as told when Twilio fetched a leg's TwiML."""
    progress = CallProgress(
        CallbackKind.STATUS, leg, call_sid, "answered", False, answered_by=answered_by
    )
    message = await log.get(message_id)
    if _seen(await log.events(message_id), f"amd:{progress.key}"):
        return False
    detail = {**_detail(progress, {}), "callback": f"amd:{progress.key}"}
    return await _progress(log, message, progress, detail)


async def _progress(
    log: ContactLog, message: Message, progress: CallProgress, detail: dict[str, Any]
) -> bool:
    """A leg moved on (or a dial ended) without settling the call: keep it; first news → sent."""
    changes: dict[str, Any] = {}
    if progress.leg is CallLeg.DEBTOR and progress.answered_by and not message.answered_by:
        changes["answered_by"] = progress.answered_by
    if message.status in UNSETTLED and _is_first_leg(message, progress):
        ids = {"provider": "twilio", "provider_message_id": progress.call_sid}
        if await log.transition(
            message.id, expect=UNSETTLED, to=MessageStatus.SENT,
            source=EventSource.WEBHOOK, detail=detail, **ids, **changes,
        ):  # fmt: skip
            return True
    await log.note(message.id, source=EventSource.WEBHOOK, detail=detail, **changes)
    return False


async def _debtor_ended(
    log: ContactLog,
    message: Message,
    events: Sequence[MessageEvent],
    progress: CallProgress,
    detail: dict[str, Any],
) -> bool:
    answered_by = progress.answered_by or message.answered_by
    outcome = progress.outcome
    if outcome is CallOutcome.ANSWERED and is_machine(answered_by):
        outcome = CallOutcome.MACHINE  # told at the TwiML fetch, not in this callback
    if outcome is CallOutcome.CANCELED:
        to, result = (
            (MessageStatus.UNDELIVERED, ContactResult.UNANSWERED)
            if _rang(events, progress.call_sid)
            else (MessageStatus.FAILED, ContactResult.FAILED)
        )
    else:
        assert outcome is not None
        to, result = _SETTLED[outcome]
    changes: dict[str, Any] = {
        "result": result,
        "duration_s": progress.duration_s,
        "answered_by": answered_by,
    }
    if to == MessageStatus.DELIVERED:
        changes |= {"error_code": None, "error_text": None, "error_retryable": None}
    else:
        changes |= {"error_code": None, "error_text": f"call {progress.raw_status}",
                    "error_retryable": False}  # fmt: skip
    return await _settle(log, message, progress, to, detail, changes)


async def _collector_ended(
    log: ContactLog,
    message: Message,
    events: Sequence[MessageEvent],
    progress: CallProgress,
    detail: dict[str, Any],
) -> bool:
    """The collector hung up or was never reached: only settles if the debtor was never rung."""
    if message.collector_id is None or _debtor_started(events):
        await log.note(message.id, source=EventSource.WEBHOOK, detail=detail)
        return False
    changes = {
        "result": ContactResult.FAILED,
        "error_code": COLLECTOR_UNREACHABLE,
        "error_text": f"the collector's leg ended ({progress.raw_status}) before the debtor "
        "was dialled; the debtor was not contacted",
        "error_retryable": False,
    }
    return await _settle(log, message, progress, MessageStatus.FAILED, detail, changes)


async def _settle(
    log: ContactLog,
    message: Message,
    progress: CallProgress,
    to: MessageStatus,
    detail: dict[str, Any],
    changes: dict[str, Any],
) -> bool:
    expect = set(_OPEN)
    if message.status == MessageStatus.FAILED and message.error_code in _REOPENABLE:
        expect.add(MessageStatus.FAILED)
    if message.status in UNSETTLED and _is_first_leg(message, progress):
        changes |= {"provider": "twilio", "provider_message_id": progress.call_sid}
    detail = {**detail, "result": str(changes["result"])}
    if await log.transition(
        message.id, expect=expect, to=to, source=EventSource.WEBHOOK, detail=detail, **changes
    ):
        return True
    await log.note(message.id, source=EventSource.WEBHOOK, detail={**detail, "stale": True})
    return False


async def _recording(
    log: ContactLog, message: Message, progress: CallProgress, detail: dict[str, Any]
) -> bool:
    changes = {}
    if progress.final and message.recording_ref != progress.recording_ref:
        changes["recording_ref"] = progress.recording_ref
    await log.note(message.id, source=EventSource.WEBHOOK, detail=detail, **changes)
    return bool(changes)


def _is_first_leg(message: Message, progress: CallProgress) -> bool:
    """The leg ``calls.create`` placed: the collector's for a bridge, else the debtor's."""
    first = CallLeg.COLLECTOR if message.collector_id is not None else CallLeg.DEBTOR
    return progress.leg is first and progress.kind is CallbackKind.STATUS


def _seen(events: Sequence[MessageEvent], key: str) -> bool:
    return any(event.detail.get("callback") == key for event in events)


def _debtor_started(events: Sequence[MessageEvent]) -> bool:
    return any(event.detail.get("leg") == CallLeg.DEBTOR for event in events)


def _rang(events: Sequence[MessageEvent], call_sid: str) -> bool:
    return any(
        event.detail.get("call_sid") == call_sid
        and event.detail.get("call_status") in {"ringing", "in-progress", "answered"}
        for event in events
    )


def _detail(progress: CallProgress, params: Mapping[str, str]) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "callback": progress.key,
        "kind": str(progress.kind),
        "leg": str(progress.leg) if progress.leg else None,
        "call_sid": progress.call_sid,
        "call_status": progress.raw_status,
    }
    for name in ("duration_s", "answered_by", "recording_ref"):
        if getattr(progress, name) is not None:
            detail[name] = getattr(progress, name)
    if params:
        detail["twilio"] = dict(params)
    return detail
