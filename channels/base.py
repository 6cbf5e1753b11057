"""The plug-in point for providers: a channel adapter turns a rendered message into a send.

Vendor details (SDK calls, status strings, error codes) stay inside the adapter. It
answers with a ``Receipt`` or raises one of:

    ChannelError
    ├── TransientChannelError   the provider did not take it; worth retrying later
    │                           (rate limit, 503, connection refused)
    ├── PermanentChannelError   retrying will not help (invalid number, unsubscribed, 4xx)
    └── AmbiguousChannelError   the request may have reached the provider, and whether it
                                took the message is not known (a timeout or a 500 after the
                                request left): never retried blindly, settled by asking
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = [
    "AmbiguousChannelError",
    "Channel",
    "ChannelError",
    "CollectorContact",
    "DeliveryStatus",
    "IdempotentSend",
    "OutgoingMessage",
    "PermanentChannelError",
    "PostalAddress",
    "Receipt",
    "SentLookup",
    "SentRecord",
    "StatusLookup",
    "TransientChannelError",
]


class DeliveryStatus(enum.StrEnum):
    """What a provider says happened, in our own words."""

    ACCEPTED = "accepted"  # the provider took the message (queued, sending, or sent to carrier)
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"


@dataclass(frozen=True)
class PostalAddress:
    """Where a letter goes or a visit happens. Debtor data stays out of ``repr``."""

    name: str = field(repr=False)
    lines: tuple[str, ...] = field(repr=False)  # below the name, in postal order
    country: str  # ISO 3166-1 alpha-2
    postal_code: str | None = field(default=None, repr=False)

    def one_line(self) -> str:
        return ", ".join((*self.lines, *([self.postal_code] if self.postal_code else [])))


@dataclass(frozen=True)
class CollectorContact:
    """A collector a call is bridged through or a visit notice is texted to."""

    collector_id: str
    name: str
    phone: str  # E.164, or a sip: address


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything an adapter needs to send one message, and nothing more.

    Channel-specific parts are None where they do not apply: a collector's call has
    ``collectors`` (one, called first, then bridged to ``destination``); an automated
    voice reminder has ``voicemail_body``; a letter and a visit have ``address``; a visit
    has ``collectors`` (two or more) and ``visit_at``.
    """

    message_id: str
    destination: str  # E.164 for phone channels; "" for letters and visits
    body: str
    status_callback_url: str | None = None
    locale: str = ""
    template_name: str = ""
    collectors: tuple[CollectorContact, ...] = ()
    voicemail_body: str | None = None
    address: PostalAddress | None = None
    visit_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    provider: str  # "twilio", "outbox", ...
    provider_message_id: str
    status: DeliveryStatus
    detail: dict[str, str] = field(default_factory=dict)


# A provider's error code is recorded in a column this wide; a longer one (a provider's
# free text) is cut to it, and kept whole at the head of the error's text.
MAX_CODE_LENGTH = 32


class ChannelError(Exception):
    def __init__(self, code: str, text: str, *, http_status: int | None = None) -> None:
        if len(code) > MAX_CODE_LENGTH:
            code, text = code[:MAX_CODE_LENGTH], f"{code}: {text}"
        self.code = code  # the provider's error code, as a string ("21211", "429", "network")
        self.text = text
        self.http_status = http_status
        super().__init__(f"{code}: {text}")


class TransientChannelError(ChannelError):
    """The send did not happen and may succeed if tried again later."""


class PermanentChannelError(ChannelError):
    """The send did not happen and will not succeed if tried again."""

    def __init__(
        self,
        code: str,
        text: str,
        *,
        http_status: int | None = None,
        recipient_opted_out: bool = False,
    ) -> None:
        super().__init__(code, text, http_status=http_status)
        # The provider says the recipient unsubscribed (Twilio 21610): record an opt-out.
        self.recipient_opted_out = recipient_opted_out


class AmbiguousChannelError(ChannelError):
    """The request may have reached the provider; whether it took the message is unknown.

    Resending could reach the debtor twice, so nothing resends it: the provider's callback
    or a lookup (``SentLookup``) settles it."""


@runtime_checkable
class IdempotentSend(Protocol):
    """A channel whose provider takes our message id as an idempotency key: a send whose
    outcome is unknown may be sent again with it, within the window the provider keeps
    keys, and cannot reach the debtor twice."""

    @property
    def idempotency_window(self) -> timedelta: ...


@dataclass(frozen=True)
class SentRecord:
    """One message the provider has on record, as a lookup found it."""

    receipt: Receipt
    body: str | None  # as the provider stored it (it may re-encode); None: it keeps none


@runtime_checkable
class SentLookup(Protocol):
    """A channel that can ask its provider whether it took a message (after a crash or a
    timeout)."""

    async def find_sent(self, destination: str, *, since: datetime) -> list[SentRecord]:
        """Every record the provider has of a message to ``destination`` created at or
        after ``since`` by the provider's clock. Raises ``ChannelError`` if it cannot tell
        (the provider is down, or it has more records than one lookup reads)."""
        ...


@runtime_checkable
class StatusLookup(Protocol):
    """A channel that can ask its provider what became of a message it took."""

    async def fetch_status(self, provider_message_id: str) -> tuple[DeliveryStatus, str]:
        """Our status for the provider's message, and the provider's own word for it.
        Raises ``ChannelError`` if the provider cannot say."""
        ...


class Channel(Protocol):
    """One provider for one channel. Built once per worker; shared by its jobs."""

    @property
    def provider(self) -> str: ...

    async def send(self, message: OutgoingMessage) -> Receipt: ...

    async def aclose(self) -> None: ...
