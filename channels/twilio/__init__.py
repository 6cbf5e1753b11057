"""Twilio adapters: SMS and calls, their status callbacks and their signatures."""

from channels.twilio.call_status import (
    CallbackKind,
    CallLeg,
    CallOutcome,
    CallProgress,
    parse_call_status,
    parse_dial_action,
    parse_recording,
)
from channels.twilio.callbacks import (
    SIGNATURE_HEADER,
    StatusUpdate,
    parse_status_callback,
    signature_is_valid,
)
from channels.twilio.sms import TwilioSmsChannel
from channels.twilio.voice import TwilioVoiceChannel

__all__ = [
    "SIGNATURE_HEADER",
    "CallLeg",
    "CallOutcome",
    "CallProgress",
    "CallbackKind",
    "StatusUpdate",
    "TwilioSmsChannel",
    "TwilioVoiceChannel",
    "parse_call_status",
    "parse_dial_action",
    "parse_recording",
    "parse_status_callback",
    "signature_is_valid",
]
