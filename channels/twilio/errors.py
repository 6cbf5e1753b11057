"""Translate what the Twilio SDK raises into our transient or permanent channel errors.

    HTTP 408, 429, 5xx (and any non-4xx failure)  -> TransientChannelError
    other HTTP 4xx                                 -> PermanentChannelError
        Twilio code 21610 (recipient unsubscribed) -> ... with recipient_opted_out=True
    network errors, timeouts                       -> TransientChannelError("network")

The error code is Twilio's (``"21211"``) when the response carried one, else the HTTP
status (``"503"``).
"""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from channels.base import ChannelError, PermanentChannelError, TransientChannelError

__all__ = [
    "OPTED_OUT_CODE",
    "channel_error_from_http",
    "channel_error_from_twilio",
    "network_error",
]

#: "Attempt to send to unsubscribed recipient": the recipient replied STOP.
OPTED_OUT_CODE = 21610

_TRANSIENT_4XX = frozenset({408, 429})


def channel_error_from_http(http_status: int, twilio_code: int | None, text: str) -> ChannelError:
    """The channel error for a failed HTTP answer from Twilio."""
    code = str(twilio_code) if twilio_code is not None else str(http_status)
    if 400 <= http_status < 500 and http_status not in _TRANSIENT_4XX:
        return PermanentChannelError(
            code,
            text,
            http_status=http_status,
            recipient_opted_out=twilio_code == OPTED_OUT_CODE,
        )
    return TransientChannelError(code, text, http_status=http_status)


def channel_error_from_twilio(
    exc: TwilioRestException | TwilioServiceException,
) -> ChannelError:
    """The channel error for an exception the SDK raised on a non-2xx answer."""
    if isinstance(exc, TwilioServiceException):
        text = f"{exc.title}: {exc.detail}" if exc.detail else str(exc.title)
    else:
        text = str(exc.msg)
    return channel_error_from_http(int(exc.status), _as_int(exc.code), text)


def network_error(exc: BaseException) -> TransientChannelError:
    """The channel error for a request that got no HTTP answer (refused, reset, timed out)."""
    detail = str(exc) or "no detail"
    return TransientChannelError("network", f"{type(exc).__name__}: {detail}")


def _as_int(code: object) -> int | None:
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code)
    return None
