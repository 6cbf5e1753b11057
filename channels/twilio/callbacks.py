"""Twilio's status callbacks: parse them into our vocabulary and check their signature.

Twilio POSTs a form (``MessageSid``, ``MessageStatus``, ``ErrorCode``, ...) to the
``StatusCallback`` URL given at send time, signed with the account's auth token in the
``X-Twilio-Signature`` header. The webhook handler should check the signature first
(``signature_is_valid``), then parse (``parse_status_callback``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

from channels.base import DeliveryStatus
from channels.twilio.status import delivery_status

__all__ = ["SIGNATURE_HEADER", "StatusUpdate", "parse_status_callback", "signature_is_valid"]

#: The request header carrying Twilio's signature.
SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True)
class StatusUpdate:
    """One status report from Twilio about a message we sent."""

    provider_message_id: str  # the SM... sid, as in ``Receipt.provider_message_id``
    status: DeliveryStatus
    raw_status: str  # Twilio's own word, for the contact log's audit trail
    error_code: str | None  # Twilio error code on failure ("30003"), else None


def parse_status_callback(form: Mapping[str, str]) -> StatusUpdate:
    """Turn a Twilio status-callback form into a ``StatusUpdate``.

    Raises ``ValueError`` when the form has no message sid or status, or an unknown status.
    """
    sid = form.get("MessageSid") or form.get("SmsSid")
    raw_status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid:
        raise ValueError("Twilio status callback without MessageSid")
    if not raw_status:
        raise ValueError("Twilio status callback without MessageStatus")
    return StatusUpdate(
        provider_message_id=sid,
        status=delivery_status(raw_status),
        raw_status=raw_status,
        error_code=form.get("ErrorCode") or None,
    )


def signature_is_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` is Twilio's signature of this request.

    ``url`` must be the full URL Twilio requested (scheme, host, port, path and query, as
    seen by Twilio — mind reverse proxies), ``params`` the POSTed form fields. A missing or
    empty signature is never valid.
    """
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))
