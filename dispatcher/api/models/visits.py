"""Visits: one planned (``POST /v1/visits``) and its outcome recorded by a collector on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from dispatcher.api.models.base import Body, Key, Ref, Shown, Text10, Time
from dispatcher.api.models.debtors import PreferencesRequest
from dispatcher.api.models.messages import Address
from dispatcher.calls_and_visits.visits import VISIT_RESULTS
from dispatcher.domain import MessageStatus

__all__ = ["VisitOutcome", "VisitOutcomeRequest", "VisitRequest"]

if TYPE_CHECKING:
    VisitResult = str
else:  # an enum in the schema
    VisitResult = Literal[tuple(str(r) for r in VISIT_RESULTS)]

MAX_COLLECTORS = 10
CollectorId = Annotated[str, Field(min_length=1, max_length=100)]


class VisitRequest(Body):
    debtor_ref: Ref
    address: Annotated[Address, Field(description="Where the collectors go")]
    visit_at: Time
    # Two or more different ones: checked by the visit itself, which names who is missing.
    collector_ids: Annotated[
        list[CollectorId], Field(max_length=MAX_COLLECTORS, json_schema_extra={"minItems": 2})
    ]
    locale: Annotated[Text10 | None, Field(description="Default: the debtor's language")] = None
    account_ref: Annotated[str | None, Field(max_length=100)] = None
    idempotency_key: Key | None = None
    variables: Annotated[
        dict[str, Any] | None, Field(description="The notice's variables (debtor_name)")
    ] = None


class VisitOutcomeRequest(Body):
    result: VisitResult
    went: Annotated[list[CollectorId], Field(min_length=1, max_length=MAX_COLLECTORS)]
    recording_ref: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    note: Annotated[
        str | None, Field(min_length=1, max_length=2000, description="Civility-checked")
    ] = None
    preferences: Annotated[
        PreferencesRequest | None,
        Field(description="visited: what the debtor said, added to what is on record"),
    ] = None


class VisitOutcome(Shown):
    message_id: str
    status: MessageStatus
    result: str
    disposition: dict[str, Any]
