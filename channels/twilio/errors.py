"""Translate what the Twilio SDK raises into our channel errors.

    HTTP 429, 503, 408 (Twilio did not process it)   -> TransientChannelError (retried)
    other HTTP 4xx                                   -> PermanentChannelError
        Twilio code 21610 (recipient unsubscribed)   -> ... with recipient_opted_out=True
        Twilio code 20003 (our credentials refused)  -> ... and an ERROR log line
    other HTTP 5xx (500, 502, 504, ...)              -> AmbiguousChannelError
    connection refused, DNS failure (nothing left)   -> TransientChannelError("network")
    timeout, reset or unreadable answer after the
    request may have left                            -> AmbiguousChannelError

Twilio's Messages and Calls APIs take no idempotency key, so a request that may have
been processed is never retried blindly: the pipeline records it as ``unknown`` and the
sweep settles it by asking Twilio (or Twilio's callback does).

The error code is Twilio's (``"21211"``) when the response carried one, else the HTTP
status (``"503"``), else a word (``"network"``, ``"timeout"``).
"""

from __future__ import annotations

import functools
import logging

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from channels.base import (
    AmbiguousChannelError,
    ChannelError,
    PermanentChannelError,
    TransientChannelError,
)

__all__ = [
    "AUTHENTICATION_FAILED_CODE",
    "OPTED_OUT_CODE",
    "channel_error_from_http",
    "channel_error_from_twilio",
    "network_error",
]

log = logging.getLogger(__name__)

#: "Attempt to send to unsubscribed recipient": the recipient replied STOP.
OPTED_OUT_CODE = 21610
#: "Authentication Error - invalid username": our account SID or auth token is wrong.
AUTHENTICATION_FAILED_CODE = 20003

# Answers that say the request was not processed: safe to send again later.
_NOT_PROCESSED = frozenset({408, 429, 503})


def channel_error_from_http(http_status: int, twilio_code: int | None, text: str) -> ChannelError:
    """The channel error for a failed HTTP answer from Twilio."""
    code = str(twilio_code) if twilio_code is not None else str(http_status)
    if http_status in _NOT_PROCESSED:
        return TransientChannelError(code, text, http_status=http_status)
    if 400 <= http_status < 500:
        if twilio_code == AUTHENTICATION_FAILED_CODE or http_status == 401:
            _credentials_refused(code)
        return PermanentChannelError(
            code,
            text,
            http_status=http_status,
            recipient_opted_out=twilio_code == OPTED_OUT_CODE,
        )
    return AmbiguousChannelError(code, text, http_status=http_status)


def channel_error_from_twilio(
    exc: TwilioRestException | TwilioServiceException,
) -> ChannelError:
    """The channel error for an exception the SDK raised on a non-2xx answer."""
    if isinstance(exc, TwilioServiceException):
        text = f"{exc.title}: {exc.detail}" if exc.detail else str(exc.title)
    else:
        text = str(exc.msg)
    return channel_error_from_http(int(exc.status), _as_int(exc.code), text)


def network_error(exc: BaseException) -> ChannelError:
    """The channel error for a request that got no HTTP answer.

    Only a connection that was never made is known not to have carried the request;
    after that (a timeout, a reset, a cut answer) Twilio may have taken the message."""
    detail = f"{type(exc).__name__}: {str(exc) or 'no detail'}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransientChannelError("network", detail)
    if isinstance(exc, TimeoutError):
        return AmbiguousChannelError("timeout", f"no answer in time; {detail}")
    return AmbiguousChannelError("network", detail)


@functools.cache
def _credentials_refused(code: str) -> None:
    """Said once per process and code, not once per message that fails for it."""
    log.error(
        "Twilio refused our credentials (%s): check TWILIO_ACCOUNT_SID and "
        "TWILIO_AUTH_TOKEN; nothing can be sent until they are right", code
    )


def _as_int(code: object) -> int | None:
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code)
    return None
