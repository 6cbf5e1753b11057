"""Taking messages back: one by id, or every pending one of a debtor, account or campaign."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dispatcher.api.models.base import Body, Campaign, Reason, Ref, Shown
from dispatcher.api.models.holds import HoldKind
from dispatcher.domain import MessageStatus

__all__ = ["CancelOutcome", "CancelPendingRequest", "CancelRequest", "TooLate"]


class CancelRequest(Body):
    reason: Reason


class CancelPendingRequest(Body):
    """Exactly one of debtor_ref, account_ref and campaign; a hold only with a debtor_ref."""

    debtor_ref: Ref | None = None
    account_ref: Ref | None = None
    campaign: Campaign | None = None
    reason: Reason
    hold: Annotated[
        HoldKind | None, Field(description="Set this hold on the debtor: nothing new goes out")
    ] = None


class TooLate(Shown):
    id: str
    status: MessageStatus


class CancelOutcome(Shown):
    cancelled: list[str]
    too_late: Annotated[list[TooLate], Field(description="Already going out: the send won")]
    hold_set: bool
