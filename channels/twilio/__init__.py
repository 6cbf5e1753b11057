"""Twilio adapters: SMS sending, status callbacks and their signatures."""

from channels.twilio.callbacks import (
    SIGNATURE_HEADER,
    StatusUpdate,
    parse_status_callback,
    signature_is_valid,
)
from channels.twilio.sms import TwilioSmsChannel

__all__ = [
    "SIGNATURE_HEADER",
    "StatusUpdate",
    "TwilioSmsChannel",
    "parse_status_callback",
    "signature_is_valid",
]
