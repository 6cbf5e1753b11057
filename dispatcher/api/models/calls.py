"""Calls: one scheduled (``POST /v1/calls``), and a collector's calls as listed."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from dispatcher.api.models.base import Body, Key, Ref, Ref64, Shown, Stamp, Text10, Time
from dispatcher.api.models.debtors import PreferencesRequest
from dispatcher.api.models.messages import Accepted
from dispatcher.domain import Disposition, MessageStatus

__all__ = ["Call", "CallPage", "CallRequest", "DispositionRecorded", "DispositionRequest"]

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


class DispositionRequest(Body):
    """What came of a call. The model checks each field's shape; what a kind needs (an
    amount for a promise, a future callback) is checked with the call, all at once."""

    kind: Disposition
    note: Annotated[str | None, Field(max_length=2000, description="Civility-checked")] = None
    amount: Annotated[
        str | int | float | None, Field(description="promise_to_pay: greater than 0")
    ] = None
    currency: Annotated[
        str | None,
        Field(
            min_length=1, max_length=3,
            description="promise_to_pay; default: the call's currency variable",
        ),
    ] = None  # fmt: skip
    date: Annotated[
        str | None,
        Field(json_schema_extra={"format": "date"}, description="promise_to_pay: today or later"),
    ] = None
    callback_at: Annotated[
        str | None,
        Field(
            json_schema_extra={"format": "date-time"},
            description="callback_requested: in the future",
        ),
    ] = None
    reminder_variables: Annotated[
        dict[str, Any] | None,
        Field(description="promise_to_pay: variables for the reminder text"),
    ] = None
    preferences: Annotated[
        PreferencesRequest | None,
        Field(
            description="What the debtor said (not for wrong_number, no_contact): "
            "added to what is on record"
        ),
    ] = None

    def details(self) -> dict[str, Any]:
        """The fields given beside the kind, as the disposition's checks read them."""
        given = self.model_dump(mode="json", exclude={"kind", "preferences"}, exclude_none=True)
        if self.preferences is not None:
            given["preferences"] = self.preferences.stated()
        return given


class DispositionRecorded(Shown):
    message_id: str
    disposition: dict[str, Any]
    result: str | None
    follow_ups: list[Accepted]
    holds: list[str]
