"""The risk flags' bodies, declared once (``dispatcher.api.models``): the change a
request names, and the flags and their history as answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from compliance.packs import RISK_FLAGS
from dispatcher.api.models.base import (
    Body,
    Reason,
    Shown,
    Stamp,
    TimesOnClock,
    ZoneName,
    named_enum,
)
from dispatcher.risk_flags.models import RISK_FLAG_ACTIONS

__all__ = ["BODIES", "RiskFlag", "RiskFlagChange", "RiskFlagChanged", "RiskFlagEvent", "RiskFlags"]

if TYPE_CHECKING:
    Flag = str
    Action = str
else:  # in the schema as enums
    Flag = named_enum("RiskFlagName", RISK_FLAGS)
    Action = named_enum("RiskFlagAction", RISK_FLAG_ACTIONS)


class RiskFlagChange(Body):
    reason: Reason


class RiskFlag(Shown):
    """A flag set now: since when, by whom, why, and its latest review since."""

    flag: Flag
    set_at: Stamp
    set_by: str
    reason: str
    reviewed_at: Annotated[
        Stamp | None, Field(description="A supervisor's review since it was set")
    ]
    reviewed_by: str | None
    local_times: TimesOnClock = None


class RiskFlagEvent(Shown):
    id: int
    flag: Flag
    action: Action
    reason: str
    actor: str
    actor_role: str
    at: Stamp
    local_times: TimesOnClock = None


class RiskFlags(Shown):
    debtor_ref: str
    time_zone: ZoneName = None
    flags: list[RiskFlag]
    history: list[RiskFlagEvent]


class RiskFlagChanged(Shown):
    debtor_ref: str
    time_zone: ZoneName = None
    changed: Annotated[bool, Field(description="false: it was so already")]
    flag: RiskFlag | None
    flags: list[RiskFlag]


BODIES = (RiskFlagChange, RiskFlag, RiskFlagEvent, RiskFlags, RiskFlagChanged)
