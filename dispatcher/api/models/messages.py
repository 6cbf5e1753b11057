"""Messages: what a strategy system sends to enqueue one or a batch, and what it gets back.

The checks that need the template catalog, the debtor's record or the clock (a known
template, a phone number that parses, an address that a letter can carry) are the
enqueue's (``dispatcher.enqueue.requests``): the Python client passes through them too.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from dispatcher.api.models.base import (
    NOT_BLANK,
    Body,
    Campaign,
    Key,
    Ref,
    Ref64,
    Shown,
    Stamp,
    Text10,
    Time,
)
from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.enqueue import requests as enqueue

__all__ = ["MAX_BATCH", "Accepted", "Address", "BatchAccepted", "BatchRequest", "MessageRequest"]

MAX_BATCH = 10_000

_Line = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]


class Address(Body):
    """Where a letter goes, or a visit. The enqueue checks it again (for the Python client)."""

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
    lines: Annotated[list[_Line], Field(min_length=1, max_length=5)]
    postal_code: Annotated[str | None, Field(max_length=20)] = None
    country: Annotated[str, Field(pattern="^[A-Z]{2}$", description="ISO 3166-1")]


# What a strategy system sends: a reminder by text, in Chinese, once per key.
EXAMPLE: JsonDict = {
    "channel": "sms",
    "template": "overdue_reminder",
    "locale": "zh-CN",
    "destination": "+86 138 0013 8000",
    "debtor_ref": "D-1001",
    "account_ref": "A-1001",
    "idempotency_key": "reminder:D-1001:2026-11-28",
    "variables": {
        "company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00",
        "currency": "CNY", "due_date": "2026-11-15", "days_overdue": 12,
        "contact_phone": "400-820-1234",
    },
    "send_after": "2026-11-28T09:00:00+08:00",
    "campaign": "november-reminders",
}  # fmt: skip


class MessageRequest(Body):
    """One message to enqueue."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    channel: ChannelKind
    template: Ref
    locale: Annotated[Text10 | None, Field(description="Default: the debtor's language")] = None
    destination: Annotated[
        Ref64 | None,
        Field(description="sms and voice (required there): a phone number, E.164 or national"),
    ] = None
    address: Annotated[
        Address | None, Field(description="letter and visit (required there): where it goes")
    ] = None
    debtor_ref: Ref
    account_ref: Annotated[str | None, Field(max_length=100)] = None
    idempotency_key: Key | None = None
    variables: Annotated[dict[str, Any] | None, Field(description="The template's variables")] = (
        None
    )
    send_after: Time | None = None
    valid_until: Time | None = None
    campaign: Annotated[Campaign | None, Field(description="What a campaign pause matches")] = None

    def to_request(self, *, requested_by: str) -> enqueue.MessageRequest:
        """The enqueue's request (what the Python client sends too)."""
        return enqueue.MessageRequest(
            channel=str(self.channel), template=self.template, locale=self.locale,
            destination=self.destination or "", debtor_ref=self.debtor_ref,
            address=None if self.address is None else self.address.model_dump(exclude_unset=True),
            variables=self.variables or {}, account_ref=self.account_ref,
            idempotency_key=self.idempotency_key, send_after=self.send_after,
            valid_until=self.valid_until, requested_by=requested_by, campaign=self.campaign,
        )  # fmt: skip


class BatchRequest(Body):
    """Up to 10,000 messages, all or nothing."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"messages": [EXAMPLE]}]})

    messages: Annotated[list[MessageRequest], Field(min_length=1, max_length=MAX_BATCH)]


class Accepted(Shown):
    id: str
    idempotency_key: str
    created: bool
    status: MessageStatus
    scheduled_for: Stamp


class BatchAccepted(Shown):
    count: int
    created: int
    messages: list[Accepted]
