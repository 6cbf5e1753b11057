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
(``channels.twilio.client``); the SDK's own retries stay off.
"""

from __future__ import annotations

from datetime import datetime

from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance

from channels.base import (
    AmbiguousChannelError,
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    SentRecord,
)
from channels.twilio.client import TwilioApi
from channels.twilio.lookup import LOOKUP_PAGE_SIZE, records_since
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
        if not caller_id and not from_number:
            raise ValueError("Twilio calls need a caller_id or a from_number")
        self._api = TwilioApi(
            account_sid, auth_token, api_base_url=api_base_url, timeout_s=timeout_s
        )
        self._caller_id = caller_id or from_number
        self._record_calls = record_calls

    def __repr__(self) -> str:  # never show the auth token
        return (
            f"TwilioVoiceChannel(account_sid={self._api.account_sid!r}, "
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
        async with self._api.request() as client:
            if message.collectors:
                created = await self._bridge(client, message, base)
                leg = "collector"
            else:
                created = await self._reminder(client, message, base)
                leg = "debtor"
        return _receipt(created.sid, created.status, leg)

    async def find_sent(self, destination: str, *, since: datetime) -> list[SentRecord]:
        """The calls we placed to this number since ``since`` (a bridge's own ``<Dial>``
        legs, which have a parent call, are not ours to claim). A call keeps no text."""
        async with self._api.request() as client:
            return await records_since(
                await client.calls.stream_async(to=destination, page_size=LOOKUP_PAGE_SIZE),
                since=since,
                keep=lambda call: None
                if call.parent_call_sid
                else SentRecord(_receipt(call.sid, call.status, "first"), None),
            )

    async def aclose(self) -> None:
        """Close the SDK's HTTP session. The channel cannot send afterwards."""
        await self._api.aclose()

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


def _receipt(sid: str | None, twilio_status: str | None, leg: str) -> Receipt:
    if not sid:
        # A 2xx without a sid: Twilio may have placed the call all the same.
        raise AmbiguousChannelError("bad_response", "Twilio answered without a call sid")
    return Receipt(
        provider="twilio",
        provider_message_id=sid,
        # A created call is accepted (queued); whether anyone answers comes by callback.
        status=DeliveryStatus.ACCEPTED,
        detail={"twilio_status": twilio_status or "", "leg": leg},
    )
