"""Messages as the API shows them (``dispatcher.api.views`` fills them): in full, or
masked for the strategy role (numbers ``+86*********00``, addresses down to the country,
no content)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from dispatcher.api.models.base import Shown, TimeText, ZoneName
from dispatcher.domain import ChannelKind, MessageStatus

__all__ = [
    "LocalTimes", "Message", "MessageAddress", "MessageEvent", "MessagePage", "MessageSummary",
    "Verdict",
]  # fmt: skip


class MessageAddress(Shown):
    """Where a letter or visit went; masked for the strategy role (name ``W***``, each
    line and the postal code ``***``)."""

    name: str
    lines: list[str]
    postal_code: str | None = None
    country: str


class Verdict(Shown):
    """The compliance verdict: the deciding rule (none when all allowed), and in a read
    of one message each rule's answer too (``rules``)."""

    model_config = ConfigDict(extra="allow")  # as the gate recorded it, whatever its age

    decision: Annotated[str, Field(description="allow, defer or block")]
    rule_id: str | None = None
    reason: str | None = None
    code: Annotated[str | None, Field(description="The reason's code")] = None
    citation: Annotated[str | None, Field(description="As recorded (English)")] = None
    citations: Annotated[
        dict[str, str] | None,
        Field(description="The citation in other languages, by locale, where the pack has it"),
    ] = None
    until: Annotated[TimeText | None, Field(description="A deferral: not before")] = None
    until_local: Annotated[TimeText | None, Field(description="until on the debtor's clock")] = None
    explained: Annotated[
        list[str] | None,
        Field(
            description="Why, in the caller's language: the deciding rule first",
            exclude_if=lambda value: value is None,
        ),
    ] = None


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
    channel: ChannelKind
    template_name: str
    template_version: str
    locale: str
    destination: Annotated[str, Field(description="Masked for the strategy role")]
    address: Annotated[MessageAddress | None, Field(description="Letters and visits")]
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
    verdict: Verdict | None
    time_zone: ZoneName = None
    local_times: Annotated[
        LocalTimes | None,
        Field(description="The times above on the debtor's clock; null without a zone"),
    ] = None


class Message(MessageSummary):
    events: list[MessageEvent]


class MessagePage(Shown):
    items: list[MessageSummary]
    next_cursor: Annotated[str | None, Field(description="null: nothing more for now")]
