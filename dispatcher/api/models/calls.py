"""Calls: one scheduled (``POST /v1/calls``), and a collector's calls as listed."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from dispatcher.api.models.base import Body, Key, Ref, Ref64, Shown, Stamp, Text10, Time
from dispatcher.domain import MessageStatus

__all__ = ["Call", "CallPage", "CallRequest"]

Optional100 = Annotated[str, Field(min_length=1, max_length=100)]


class CallRequest(Body):
    """A voice message for a collector to make, through the same enqueue as every message."""

    collector_id: Annotated[
        Optional100 | None,
        Field(description="Required for the strategy role; a collector key calls as itself"),
    ] = None
    template: Annotated[Optional100 | None, Field(description="Default collector_call")] = None
    destination: Annotated[Ref64, Field(description="The debtor's number; E.164 or national")]
    debtor_ref: Ref
    locale: Annotated[Text10 | None, Field(description="Default: the debtor's language")] = None
    account_ref: Annotated[str | None, Field(max_length=100)] = None
    idempotency_key: Key | None = None
    variables: Annotated[dict[str, Any] | None, Field(description="The template's variables")] = (
        None
    )
    send_after: Annotated[Time | None, Field(description="Schedule the call for this time")] = None
    valid_until: Time | None = None


class Call(Shown):
    id: str
    debtor_ref: str
    account_ref: str | None
    destination: Annotated[str, Field(description="Masked for the strategy role")]
    locale: str
    template_name: str
    collector_id: str | None
    status: MessageStatus
    scheduled_for: Stamp
    valid_until: Stamp
    requested_by: str


class CallPage(Shown):
    items: list[Call]
    next_cursor: Annotated[str | None, Field(description="null: nothing more")]
