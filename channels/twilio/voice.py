"""Calls through Twilio Programmable Voice, with the official SDK's asyncio client.

Two kinds of call, told apart by ``OutgoingMessage.collectors``:

- **A collector's call** (one collector): Twilio rings the collector first; once they
  answer, the inline TwiML says the recording notice and dials the debtor (see
  ``twiml.bridge_twiml``). The receipt's id is the collector leg's CallSid.
- **An automated reminder** (no collector): Twilio rings the debtor, waits out an
  answering machine's greeting (``DetectMessageEnd``) and then fetches
  ``{callback base}/twiml``, which says the reminder or its voicemail version.

Status callbacks go to ``{callback base}/status/{collector|debtor}``; the callback base is
``OutgoingMessage.status_callback_url``. Errors are mapped as for SMS
(``channels.twilio.errors``); the SDK's own retries stay off.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance

from channels.base import (
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)
from channels.twilio.errors import channel_error_from_twilio, network_error
from channels.twilio.twiml import CALL_PROGRESS_EVENTS, bridge_twiml

__all__ = ["TwilioVoiceChannel"]

# Wait for the beep (or the greeting's end) before the reminder's TwiML is fetched.
_MACHINE_DETECTION = "DetectMessageEnd"
# Twilio refuses inline TwiML longer than this.
MAX_TWIML_CHARS = 4000


class TwilioVoiceChannel:
    """Places calls with Twilio. Built once per worker; shared by its jobs.

    ``caller_id`` is the number the called party sees (default: ``from_number``).
    ``record_calls`` records collectors' calls, both parties on separate channels.
    ``api_base_url`` replaces ``https://api.twilio.com`` (a fake or Prism, in tests).
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        caller_id: str = "",
        record_calls: bool = True,
        api_base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if not caller_id and not from_number:
            raise ValueError("Twilio calls need a caller_id or a from_number")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._caller_id = caller_id or from_number
        self._record_calls = record_calls
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self._timeout_s = timeout_s
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None
        self._closed = False

    def __repr__(self) -> str:  # never show the auth token
        return (
            f"TwilioVoiceChannel(account_sid={self._account_sid!r}, "
            f"caller_id={self._caller_id!r}, record_calls={self._record_calls!r})"
        )

    @property
    def provider(self) -> str:
        return "twilio"

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Ask Twilio to place the call; a receipt means Twilio accepted it (not answered)."""
        if not message.status_callback_url:
            raise PermanentChannelError(
                "no_callback_url", "a call needs its callback base URL (status and TwiML)"
            )
        base = message.status_callback_url.rstrip("/")
        if len(message.collectors) > 1:
            raise PermanentChannelError("too_many_collectors", "a call bridges one collector")
        client = self._get_client()
        try:
            async with asyncio.timeout(self._timeout_s):
                if message.collectors:
                    created = await self._bridge(client, message, base)
                    leg = "collector"
                else:
                    created = await self._reminder(client, message, base)
                    leg = "debtor"
        except (TwilioRestException, TwilioServiceException) as exc:
            raise channel_error_from_twilio(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise network_error(exc) from exc
        except json.JSONDecodeError as exc:
            raise TransientChannelError("bad_response", f"Twilio answered non-JSON: {exc}") from exc
        return _receipt(created.sid, created.status, leg)

    async def aclose(self) -> None:
        """Close the SDK's HTTP session. The channel cannot send afterwards."""
        self._closed = True
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    async def _bridge(self, client: Client, message: OutgoingMessage, base: str) -> CallInstance:
        collector = message.collectors[0]
        twiml = bridge_twiml(
            notice=message.body,
            locale=message.locale,
            debtor=message.destination,
            caller_id=self._caller_id,
            callback_base=base,
            record=self._record_calls,
        )
        if len(twiml) > MAX_TWIML_CHARS:
            raise PermanentChannelError(
                "twiml_too_long", f"the call's TwiML is {len(twiml)} characters; Twilio takes 4000"
            )
        return await client.calls.create_async(
            to=collector.phone,
            from_=self._caller_id,
            twiml=twiml,
            status_callback=f"{base}/status/collector",
            status_callback_event=list(CALL_PROGRESS_EVENTS),
            status_callback_method="POST",
        )

    async def _reminder(self, client: Client, message: OutgoingMessage, base: str) -> CallInstance:
        return await client.calls.create_async(
            to=message.destination,
            from_=self._caller_id,
            url=f"{base}/twiml",
            method="POST",
            machine_detection=_MACHINE_DETECTION,
            status_callback=f"{base}/status/debtor",
            status_callback_event=list(CALL_PROGRESS_EVENTS),
            status_callback_method="POST",
        )

    def _get_client(self) -> Client:
        if self._closed:
            raise RuntimeError("TwilioVoiceChannel is closed")
        if self._client is None:
            # As in TwilioSmsChannel: no SDK retries, no environment edge/region rewriting,
            # and asyncio.timeout() in send() because the SDK ignores the client's timeout.
            http = AsyncTwilioHttpClient(max_retries=None)
            client = Client(self._account_sid, self._auth_token, http_client=http)
            client.edge = None
            client.region = None
            if self._api_base_url is not None:
                client.api.base_url = self._api_base_url
            self._http, self._client = http, client
        return self._client


def _receipt(sid: str | None, twilio_status: str | None, leg: str) -> Receipt:
    if not sid:
        raise TransientChannelError("bad_response", "Twilio answered without a call sid")
    return Receipt(
        provider="twilio",
        provider_message_id=sid,
        # A created call is accepted (queued); whether anyone answers comes by callback.
        status=DeliveryStatus.ACCEPTED,
        detail={"twilio_status": twilio_status or "", "leg": leg},
    )
