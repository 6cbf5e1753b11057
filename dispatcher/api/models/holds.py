"""Holds (compliance): set one, lift one, and holds as listed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from compliance.rules import HOLD_KINDS
from dispatcher.api.models.base import (
    Body,
    Reason,
    Ref,
    Ref64,
    Shown,
    Stamp,
    TimesOnClock,
    ZoneName,
    named_enum,
)
from dispatcher.domain import ChannelKind

__all__ = [
    "Hold",
    "HoldKind",
    "HoldLiftRequest",
    "HoldLifted",
    "HoldList",
    "HoldRequest",
    "HoldSet",
]

if TYPE_CHECKING:
    HoldKind = str
else:  # one of the holds' names, in the schema as one enum
    HoldKind = named_enum("HoldKind", HOLD_KINDS)


class HoldLiftRequest(Body):
    """A hold's target: a debtor, a number (E.164, with '+'), or both; a channel or all."""

    kind: HoldKind
    debtor_ref: Ref | None = None
    destination: Ref64 | None = None
    channel: ChannelKind | None = None


class HoldRequest(HoldLiftRequest):
    reason: Reason


class _Answered(Shown):
    kind: str
    debtor_ref: str | None
    destination: Annotated[str | None, Field(description="E.164")]
    channel: str | None


class HoldSet(_Answered):
    created: bool
    reason: str


class HoldLifted(_Answered):
    lifted: Annotated[int, Field(description="How many active holds this lifted")]


class Hold(Shown):
    id: int
    kind: str
    channel: str | None
    destination: str | None
    debtor_ref: str | None
    set_by: str
    source: str
    reason: str
    created_at: Stamp
    lifted_at: Stamp | None
    lifted_by: str | None
    time_zone: ZoneName = None
    local_times: TimesOnClock = None


class HoldList(Shown):
    items: list[Hold]
