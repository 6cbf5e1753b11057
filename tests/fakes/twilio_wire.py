"""Twilio's wire formats, as the fake Twilio speaks them: resources, errors, checks.

Kept apart from the server (``fake_twilio.py``) so each stays small.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

__all__ = [
    "API_VERSION",
    "DEFAULT_CODES",
    "FAILED_STATUSES",
    "SIGNATURE_HEADER",
    "FakeMessage",
    "basic_credentials",
    "error_response",
    "segments",
    "validate_create",
]

API_VERSION = "2010-04-01"
SIGNATURE_HEADER = "X-Twilio-Signature"

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_MAX_BODY_CHARS = 1600

#: Twilio's code and message for the errors the fake can produce.
_ERRORS: Mapping[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21609: "Invalid StatusCallback",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21701: "The Messaging Service Sid is invalid.",
}
#: The Twilio code a scripted failure carries when the test does not name one.
DEFAULT_CODES: Mapping[int, int] = {
    401: 20003,
    404: 20404,
    429: 20429,
    500: 20500,
    503: 20503,
}
FAILED_STATUSES = frozenset({"failed", "undelivered"})


@dataclass
class FakeMessage:
    """A message the fake accepted; ``resource()`` is Twilio's JSON for it."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status: str
    status_callback: str | None
    date_created: datetime
    error_code: str | None = None

    def resource(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        date = format_datetime(self.date_created)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": int(self.error_code) if self.error_code else None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(segments(self.body)),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


def validate_create(form: Mapping[str, str]) -> web.Response | None:
    """Twilio's checks on a create, in the order it reports them."""
    to = form.get("To", "")
    service = form.get("MessagingServiceSid", "")
    callback = form.get("StatusCallback", "")
    if not to:
        return error_response(400, 21604)
    if not form.get("From") and not service:
        return error_response(400, 21603)
    if not form.get("Body") and not form.get("MediaUrl") and not form.get("ContentSid"):
        return error_response(400, 21602)
    if not _E164.match(to):
        return error_response(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if service and not _MESSAGING_SERVICE_SID.match(service):
        return error_response(400, 21701)
    if callback and not callback.startswith(("http://", "https://")):
        return error_response(400, 21609)
    if len(form.get("Body", "")) > _MAX_BODY_CHARS:
        return error_response(400, 21617)
    return None


def error_response(status: int, code: int | None, message: str | None = None) -> web.Response:
    """Twilio's JSON error body: code, message, more_info, status."""
    payload: dict[str, Any] = {
        "message": message or _ERRORS.get(code or 0, f"HTTP {status}"),
        "status": status,
    }
    if code is not None:
        payload["code"] = code
        payload["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return web.json_response(payload, status=status)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(login, password) from an HTTP Basic ``Authorization`` header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        login, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (login, password) if colon else None


def segments(body: str) -> int:
    """SMS segments: GSM-7 (approximated as ASCII) 160/153 chars, else UCS-2 70/67."""
    single, multi = (160, 153) if body.isascii() else (70, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // multi)
