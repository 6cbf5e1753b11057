"""Twilio's voice callbacks, parsed into our own small record: pure functions, no I/O.

Twilio POSTs a form to each callback URL a call was given:

    status callback   CallSid, CallStatus, CallDuration (when completed), AnsweredBy
    recording         CallSid, RecordingSid, RecordingUrl, RecordingStatus
    <Dial> action     CallSid (the parent), DialCallSid, DialCallStatus, DialCallDuration
    TwiML fetch       CallSid, CallStatus, AnsweredBy (machine detection's answer)

Twilio's words (``no-answer``, ``machine_end_beep``) stay here: outside this module a
finished leg is a ``CallOutcome``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CallLeg",
    "CallOutcome",
    "CallProgress",
    "CallbackKind",
    "is_machine",
    "parse_call_status",
    "parse_dial_action",
    "parse_leg",
    "parse_recording",
]


class CallLeg(enum.StrEnum):
    COLLECTOR = "collector"  # a bridged call's first leg: the collector's phone
    DEBTOR = "debtor"  # the debtor's phone: a bridge's second leg, or a reminder's only leg


class CallbackKind(enum.StrEnum):
    STATUS = "status"
    RECORDING = "recording"
    DIAL = "dial"


class CallOutcome(enum.StrEnum):
    """How a leg ended, in our words."""

    ANSWERED = "answered"  # a person (or someone Twilio could not tell) answered
    MACHINE = "machine"  # an answering machine or a fax answered
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    UNCONNECTED = "unconnected"  # the network could not place it
    CANCELED = "canceled"  # hung up before it was answered


_PROGRESS = frozenset({"queued", "initiated", "ringing", "in-progress", "answered"})
_ENDED: dict[str, CallOutcome | None] = {
    "completed": None,  # answered: by whom, AnsweredBy says
    "busy": CallOutcome.BUSY,
    "no-answer": CallOutcome.NO_ANSWER,
    "failed": CallOutcome.UNCONNECTED,
    "canceled": CallOutcome.CANCELED,
}


@dataclass(frozen=True)
class CallProgress:
    """One callback about one leg of a call."""

    kind: CallbackKind
    leg: CallLeg | None  # None for a recording (it belongs to the whole bridge)
    call_sid: str  # the leg's CallSid (for a dial action: the dialled leg's, if known)
    raw_status: str  # Twilio's word: "ringing", "no-answer", "completed" (recording), ...
    final: bool  # the leg has ended (or the recording is ready)
    outcome: CallOutcome | None = None  # set when final, for status and dial callbacks
    duration_s: int | None = None
    answered_by: str | None = None  # Twilio's AnsweredBy: "human", "machine_end_beep", ...
    recording_ref: str | None = None  # RecordingSid
    recording_url: str | None = None

    @property
    def key(self) -> str:
        """What makes a callback a repeat: the same kind, leg, call and status."""
        return f"{self.kind}:{self.leg or '-'}:{self.call_sid}:{self.raw_status}"


def parse_leg(text: str) -> CallLeg:
    """The leg named in a callback URL; ``ValueError`` for anything else."""
    try:
        return CallLeg(text)
    except ValueError:
        raise ValueError(f"unknown call leg: {text!r}") from None


def is_machine(answered_by: str | None) -> bool:
    """Whether machine detection says a machine (answering machine, fax) answered."""
    return bool(answered_by) and str(answered_by).lower().startswith(("machine", "fax"))


def parse_call_status(form: Mapping[str, str], leg: CallLeg) -> CallProgress:
    """A status callback. ``ValueError`` without CallSid or with an unknown CallStatus."""
    sid = _required(form, "CallSid")
    raw = _required(form, "CallStatus").strip().lower()
    answered_by = form.get("AnsweredBy") or None
    if raw in _PROGRESS:
        return CallProgress(CallbackKind.STATUS, leg, sid, raw, False, answered_by=answered_by)
    if raw not in _ENDED:
        raise ValueError(f"unknown Twilio call status: {raw!r}")
    return CallProgress(
        CallbackKind.STATUS,
        leg,
        sid,
        raw,
        True,
        outcome=_ended(raw, answered_by),
        duration_s=_seconds(form.get("CallDuration")),
        answered_by=answered_by,
    )


def parse_dial_action(form: Mapping[str, str]) -> CallProgress:
    """The <Dial> action: how the dial to the debtor ended (the debtor's leg)."""
    raw = _required(form, "DialCallStatus").strip().lower()
    if raw == "answered":  # Twilio's word when the dialled party answered and hung up
        raw = "completed"
    if raw not in _ENDED:
        raise ValueError(f"unknown Twilio dial status: {raw!r}")
    return CallProgress(
        CallbackKind.DIAL,
        CallLeg.DEBTOR,
        form.get("DialCallSid") or _required(form, "CallSid"),
        raw,
        True,
        outcome=_ended(raw, form.get("AnsweredBy")),
        duration_s=_seconds(form.get("DialCallDuration")),
        answered_by=form.get("AnsweredBy") or None,
        recording_url=form.get("RecordingUrl") or None,
    )


def parse_recording(form: Mapping[str, str]) -> CallProgress:
    """A recording status callback; final once the recording is ``completed``."""
    raw = (form.get("RecordingStatus") or "completed").strip().lower()
    return CallProgress(
        CallbackKind.RECORDING,
        None,
        _required(form, "CallSid"),
        raw,
        raw == "completed",
        duration_s=_seconds(form.get("RecordingDuration")),
        recording_ref=_required(form, "RecordingSid"),
        recording_url=form.get("RecordingUrl") or None,
    )


def _ended(raw: str, answered_by: str | None) -> CallOutcome:
    outcome = _ENDED[raw]
    if outcome is not None:
        return outcome
    return CallOutcome.MACHINE if is_machine(answered_by) else CallOutcome.ANSWERED


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise ValueError(f"Twilio callback without {name}")
    return value


def _seconds(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)
