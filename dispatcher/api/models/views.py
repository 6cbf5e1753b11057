"""Messages as the API shows them (``dispatcher.api.views`` fills them): in full, or
masked for the strategy role (numbers ``+86*********00``, addresses down to the country,
no content)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from dispatcher.api.models.base import Shown
from dispatcher.domain import MessageStatus

__all__ = ["LocalTimes", "Message", "MessageEvent", "MessagePage", "MessageSummary"]

# A time as the contact log's views write it (ISO 8601, with its offset).
TimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class MessageEvent(Shown):
    """One change in a message's history (the outbound events are ``Event``)."""

    at: TimeText
    source: str
    status: str
    detail: dict[str, Any]


class LocalTimes(Shown):
    """The message's times on the debtor's clock, with the offset at each instant."""

    created_at: TimeText
    scheduled_for: TimeText
    valid_until: TimeText
    updated_at: TimeText


class MessageSummary(Shown):
    id: str
    idempotency_key: str
    debtor_ref: str
    account_ref: str | None
    channel: str
    template_name: str
    template_version: str
    locale: str
    destination: Annotated[str, Field(description="Masked for the strategy role")]
    address: Annotated[
        dict[str, Any] | None,
        Field(description="Letters and visits; name and lines masked for the strategy role"),
    ]
    content: Annotated[str | None, Field(description="Only for compliance and collectors")]
    segments: int | None
    requested_by: str
    campaign: str | None
    created_at: TimeText
    scheduled_for: TimeText
    valid_until: TimeText
    updated_at: TimeText
    status: MessageStatus
    attempts: int
    provider: str | None
    provider_message_id: str | None
    error_code: str | None
    error_text: str | None
    error_retryable: bool | None
    verdict: Annotated[
        dict[str, Any] | None,
        Field(description="The compliance verdict; explained in the caller's language"),
    ]
    time_zone: Annotated[
        str | None,
        Field(description="The debtor's IANA time zone; null where it is not known"),
    ] = None
    local_times: Annotated[
        LocalTimes | None,
        Field(description="The times above on the debtor's clock; null without a zone"),
    ] = None


class Message(MessageSummary):
    events: list[MessageEvent]


class MessagePage(Shown):
    items: list[MessageSummary]
    next_cursor: Annotated[str | None, Field(description="null: nothing more for now")]
