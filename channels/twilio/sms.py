"""SMS through Twilio's Messages API, with the official SDK's asyncio client.

The SDK is built on first use (its aiohttp session needs a running event loop) and
closed by ``aclose()``. Its own retries stay off: the job queue decides when to retry,
from the ``TransientChannelError`` / ``PermanentChannelError`` raised here.
"""

from __future__ import annotations

from datetime import datetime

from twilio.base import values

from channels.base import (
    AmbiguousChannelError,
    DeliveryStatus,
    OutgoingMessage,
    Receipt,
    SentRecord,
)
from channels.twilio.client import TwilioApi
from channels.twilio.lookup import LOOKUP_PAGE_SIZE, records_since
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
        if not from_number and not messaging_service_sid:
            raise ValueError("Twilio needs a from_number or a messaging_service_sid")
        self._api = TwilioApi(
            account_sid, auth_token, api_base_url=api_base_url, timeout_s=timeout_s
        )
        self._messaging_service_sid = messaging_service_sid
        self._from_number = "" if messaging_service_sid else from_number

    def __repr__(self) -> str:  # never show the auth token
        sender = self._messaging_service_sid or self._from_number
        return f"TwilioSmsChannel(account_sid={self._api.account_sid!r}, sender={sender!r})"

    @property
    def provider(self) -> str:
        return "twilio"

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Ask Twilio to send ``message``; a receipt means Twilio accepted it."""
        async with self._api.request() as client:
            created = await client.messages.create_async(
                to=message.destination,
                body=message.body,
                from_=self._from_number or values.unset,
                messaging_service_sid=self._messaging_service_sid or values.unset,
                status_callback=message.status_callback_url or values.unset,
            )
        return _receipt(created.sid, created.status, created.num_segments)

    async def find_sent(self, destination: str, *, since: datetime) -> list[SentRecord]:
        """Twilio's records of messages to this number created since ``since``."""
        async with self._api.request() as client:
            return await records_since(
                await client.messages.stream_async(to=destination, page_size=LOOKUP_PAGE_SIZE),
                since=since,
                keep=lambda record: SentRecord(
                    _receipt(record.sid, record.status, record.num_segments), record.body or ""
                ),
            )

    async def fetch_status(self, provider_message_id: str) -> tuple[DeliveryStatus, str]:
        """What Twilio says became of a message it took."""
        async with self._api.request() as client:
            record = await client.messages(provider_message_id).fetch_async()
        raw = record.status or ""
        return TWILIO_STATUSES.get(raw.lower(), DeliveryStatus.ACCEPTED), raw

    async def aclose(self) -> None:
        """Close the SDK's HTTP session. The channel cannot send afterwards."""
        await self._api.aclose()


def _receipt(sid: str | None, twilio_status: str | None, num_segments: str | None) -> Receipt:
    if not sid:
        # A 2xx without a sid: Twilio may have created the message all the same.
        raise AmbiguousChannelError("bad_response", "Twilio answered without a message sid")
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
