"""A debtor's risk flags as they stand: folded from the appended events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from compliance.rules.risk_flags import RiskFlagFact
from dispatcher.risk_flags.models import RiskFlagEvent

__all__ = ["RiskFlagEventRow", "RiskFlagState", "active_flags", "flag_events", "flag_states"]


@dataclass(frozen=True)
class RiskFlagEventRow:
    id: int
    debtor_ref: str
    flag: str
    action: str
    reason: str
    actor: str
    actor_role: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "flag": self.flag, "action": self.action, "reason": self.reason,
            "actor": self.actor, "actor_role": self.actor_role, "at": self.at.isoformat(),
        }  # fmt: skip


@dataclass(frozen=True)
class RiskFlagState:
    """A flag that is set now: since when, by whom, why, and its latest review since."""

    flag: str
    set_at: datetime
    set_by: str
    reason: str
    reviewed_at: datetime | None
    reviewed_by: str | None

    def fact(self) -> RiskFlagFact:
        return RiskFlagFact(
            self.flag, self.set_at, self.set_by, self.reason, self.reviewed_at, self.reviewed_by
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "flag": self.flag, "set_at": self.set_at.isoformat(), "set_by": self.set_by,
            "reason": self.reason,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "reviewed_by": self.reviewed_by,
        }  # fmt: skip


async def flag_events(conn: AsyncConnection, debtor_ref: str) -> list[RiskFlagEventRow]:
    """Every change to the debtor's flags, oldest first."""
    rows = await conn.execute(
        select(RiskFlagEvent.__table__)
        .where(RiskFlagEvent.debtor_ref == debtor_ref)
        .order_by(RiskFlagEvent.id)
    )
    return [RiskFlagEventRow(**row._asdict()) for row in rows]


def flag_states(events: list[RiskFlagEventRow]) -> list[RiskFlagState]:
    """The flags set now (in the order they were set), folded from ``events``."""
    states: dict[str, RiskFlagState] = {}
    for event in events:
        current = states.get(event.flag)
        if event.action == "set":
            states[event.flag] = RiskFlagState(
                event.flag, event.at, event.actor, event.reason, None, None
            )
        elif event.action == "cleared":
            states.pop(event.flag, None)
        elif event.action == "reviewed" and current is not None:
            states[event.flag] = RiskFlagState(
                current.flag, current.set_at, current.set_by, current.reason,
                event.at, event.actor,
            )  # fmt: skip
    return sorted(states.values(), key=lambda s: s.set_at)


async def active_flags(conn: AsyncConnection, debtor_ref: str) -> list[RiskFlagFact]:
    """The debtor's flags as the ``risk.flags`` rule sees them."""
    return [state.fact() for state in flag_states(await flag_events(conn, debtor_ref))]
