"""Risk flags where a debtor appears (their page, search results, the desk), and who may
set, clear or review one — through the risk-flag room's own store, as its API does.

Who may: collectors (on their own debtors), compliance and supervisors set a flag;
compliance clears one; compliance, supervisors and admins review one (the supervisor's
review that the packs require before contact resumes after a complaint)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.risk_flags.read import RiskFlagEventRow, RiskFlagState, flag_states
from dispatcher.risk_flags.store import FlagNotSet, clear_flag, review_flag, set_flag
from dispatcher.workspace.access.guard import Viewer
from dispatcher.workspace.access.roles import PersonRole

__all__ = ["CHANGES", "MAY", "FlagNotSet", "flags_of", "role_for"]

MAY = {
    "set": (PersonRole.COLLECTOR, PersonRole.COMPLIANCE, PersonRole.SUPERVISOR),
    "clear": (PersonRole.COMPLIANCE,),
    "review": (PersonRole.COMPLIANCE, PersonRole.SUPERVISOR, PersonRole.ADMIN),
}


async def flags_of(
    engine: AsyncEngine, debtor_refs: Iterable[str]
) -> dict[str, list[RiskFlagState]]:
    """The flags set now on each debtor (one query for them all)."""
    refs = sorted(set(debtor_refs))
    if not refs:
        return {}
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(RiskFlagEvent.__table__)
            .where(RiskFlagEvent.debtor_ref.in_(refs))
            .order_by(RiskFlagEvent.id)
        )
        events: dict[str, list[RiskFlagEventRow]] = {}
        for row in rows:
            events.setdefault(row.debtor_ref, []).append(RiskFlagEventRow(**row._asdict()))
    return {ref: flag_states(found) for ref, found in events.items()}


def role_for(viewer: Viewer, action: str) -> str:
    """The role the person acts in: the first of theirs that allows this action."""
    return str(next(role for role in MAY[action] if viewer.holds(role)))


CHANGES = {"set": set_flag, "clear": clear_flag, "review": review_flag}
