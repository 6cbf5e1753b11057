"""Emergency pause and resume (admin), and the pauses as listed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from compliance.rules.pause import PAUSE_SCOPES
from dispatcher.api.models.base import Body, Reason, Shown, Stamp, named_enum

__all__ = ["Pause", "PauseList", "PauseRequest", "ResumeRequest", "Resumed"]

if TYPE_CHECKING:
    Scope = str
else:  # all, channel or campaign, in the schema as one enum
    Scope = named_enum("PauseScope", PAUSE_SCOPES)
# Checked against the scope by the handler: a channel, a campaign, or absent for all.
Target = Annotated[
    str | None,
    Field(
        max_length=100,
        description="The channel (scope channel) or campaign (scope campaign); absent for all",
    ),
]


class PauseRequest(Body):
    scope: Scope
    target: Target = None
    reason: Reason


class ResumeRequest(Body):
    scope: Scope
    target: Target = None
    reason: Reason | None = None


class Pause(Shown):
    id: int
    scope: Scope
    target: str | None
    reason: str
    paused_by: str
    paused_at: Stamp
    active: bool
    lifted_at: Stamp | None
    lifted_by: str | None
    lift_reason: str | None


class PauseList(Shown):
    items: list[Pause]


class Resumed(Shown):
    lifted: list[Pause]
