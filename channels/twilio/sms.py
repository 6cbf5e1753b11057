"""SMS through Twilio's Messages API, with the official SDK's asyncio client.

The SDK is built on first use (its aiohttp session needs a running event loop) and
closed by ``aclose()``. Its own retries stay off: the job queue decides when to retry,
from the ``TransientChannelError`` / ``PermanentChannelError`` raised here.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.base import DeliveryStatus, OutgoingMessage, Receipt, TransientChannelError
from channels.twilio.errors import channel_error_from_twilio, network_error
from channels.twilio.status import TWILIO_STATUSES

__all__ = ["TwilioSmsChannel"]


class TwilioSmsChannel:
    """Sends SMS with Twilio. Built once per worker; shared by its jobs.

    Exactly one sender is used: the Messaging Service when ``messaging_service_sid`` is
    given (Twilio then picks the number from its pool), else ``from_number``.
    ``api_base_url`` replaces ``https://api.twilio.com`` (a fake or Prism, in tests).
    ``timeout_s`` bounds a whole send: connect, request and response.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if not from_number and not messaging_service_sid:
            raise ValueError("Twilio needs a from_number or a messaging_service_sid")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._messaging_service_sid = messaging_service_sid
        self._from_number = "" if messaging_service_sid else from_number
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self._timeout_s = timeout_s
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None
        self._closed = False

    def __repr__(self) -> str:  # never show the auth token
        sender = self._messaging_service_sid or self._from_number
        return f"TwilioSmsChannel(account_sid={self._account_sid!r}, sender={sender!r})"

    @property
    def provider(self) -> str:
        return "twilio"

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Ask Twilio to send ``message``; a receipt means Twilio accepted it."""
        client = self._get_client()
        try:
            async with asyncio.timeout(self._timeout_s):
                created = await client.messages.create_async(
                    to=message.destination,
                    body=message.body,
                    from_=self._from_number or values.unset,
                    messaging_service_sid=self._messaging_service_sid or values.unset,
                    status_callback=message.status_callback_url or values.unset,
                )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise channel_error_from_twilio(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise network_error(exc) from exc
        except json.JSONDecodeError as exc:
            raise TransientChannelError("bad_response", f"Twilio answered non-JSON: {exc}") from exc
        return _receipt(created.sid, created.status, created.num_segments)

    async def aclose(self) -> None:
        """Close the SDK's HTTP session. The channel cannot send afterwards."""
        self._closed = True
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    def _get_client(self) -> Client:
        if self._closed:
            raise RuntimeError("TwilioSmsChannel is closed")
        if self._client is None:
            # max_retries=None: no aiohttp_retry wrapper; we retry at the job level.
            # The SDK ignores the http client's own timeout on async requests (it passes
            # timeout=None to aiohttp), hence asyncio.timeout() in send().
            http = AsyncTwilioHttpClient(max_retries=None)
            client = Client(self._account_sid, self._auth_token, http_client=http)
            # Configuration comes from our settings only: no TWILIO_EDGE / TWILIO_REGION
            # from the environment rewriting hostnames.
            client.edge = None
            client.region = None
            if self._api_base_url is not None:
                # URLs are "{api.base_url}/2010-04-01/Accounts/{sid}/Messages.json".
                client.api.base_url = self._api_base_url
            self._http, self._client = http, client
        return self._client


def _receipt(sid: str | None, twilio_status: str | None, num_segments: str | None) -> Receipt:
    if not sid:
        raise TransientChannelError("bad_response", "Twilio answered without a message sid")
    raw_status = twilio_status or ""
    detail = {"twilio_status": raw_status}
    if num_segments:
        detail["num_segments"] = str(num_segments)
    return Receipt(
        provider="twilio",
        provider_message_id=sid,
        # A created message is at least accepted, whatever word Twilio used for it.
        status=TWILIO_STATUSES.get(raw_status.lower(), DeliveryStatus.ACCEPTED),
        detail=detail,
    )
