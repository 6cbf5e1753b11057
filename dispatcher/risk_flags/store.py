"""Set, clear and review a debtor's risk flags; read their state from the appended events.

Each change runs in the debtor's decision window (``debtor_session``: the per-debtor lock
the pipeline decides under), so a flag set while a message is being decided applies to it
or to nothing before it, and two people setting the same flag at once write one event.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.session import debtor_session
from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.risk_flags.read import RiskFlagEventRow, RiskFlagState, flag_events, flag_states

__all__ = ["FlagNotSet", "clear_flag", "review_flag", "set_flag"]


class FlagNotSet(Exception):
    """Clearing or reviewing a flag that is not set."""

    def __init__(self, debtor_ref: str, flag: str) -> None:
        super().__init__(f"risk flag {flag} is not set on debtor {debtor_ref}")
        self.debtor_ref, self.flag = debtor_ref, flag


async def set_flag(
    engine: AsyncEngine, debtor_ref: str, flag: str, *, reason: str, actor: str, role: str,
    at: datetime,
) -> tuple[bool, RiskFlagState]:  # fmt: skip
    """Set ``flag`` (False when it was set already: nothing is written)."""
    async with debtor_session(engine, debtor_ref) as session:
        current = _state(await flag_events(session.conn, debtor_ref), flag)
        if current is not None:
            return False, current
        await _append(session.conn, debtor_ref, flag, "set", reason, actor, role, at)
        return True, RiskFlagState(flag, at, actor, reason, None, None)


async def clear_flag(
    engine: AsyncEngine, debtor_ref: str, flag: str, *, reason: str, actor: str, role: str,
    at: datetime,
) -> RiskFlagEventRow:  # fmt: skip
    """Clear ``flag``; ``FlagNotSet`` when it is not set."""
    async with debtor_session(engine, debtor_ref) as session:
        if _state(await flag_events(session.conn, debtor_ref), flag) is None:
            raise FlagNotSet(debtor_ref, flag)
        return await _append(session.conn, debtor_ref, flag, "cleared", reason, actor, role, at)


async def review_flag(
    engine: AsyncEngine, debtor_ref: str, flag: str, *, reason: str, actor: str, role: str,
    at: datetime,
) -> tuple[bool, RiskFlagState]:  # fmt: skip
    """Record a supervisor's review of ``flag`` (False when it was reviewed already since it
    was set: nothing is written); ``FlagNotSet`` when it is not set."""
    async with debtor_session(engine, debtor_ref) as session:
        current = _state(await flag_events(session.conn, debtor_ref), flag)
        if current is None:
            raise FlagNotSet(debtor_ref, flag)
        if current.reviewed_at is not None:
            return False, current
        await _append(session.conn, debtor_ref, flag, "reviewed", reason, actor, role, at)
        return True, RiskFlagState(flag, current.set_at, current.set_by, current.reason, at, actor)


def _state(events: list[RiskFlagEventRow], flag: str) -> RiskFlagState | None:
    return next((s for s in flag_states(events) if s.flag == flag), None)


async def _append(
    conn: AsyncConnection, debtor_ref: str, flag: str, action: str, reason: str, actor: str,
    role: str, at: datetime,
) -> RiskFlagEventRow:  # fmt: skip
    row = RiskFlagEventRow(0, debtor_ref, flag, action, reason, actor, role, at)
    values = {k: v for k, v in asdict(row).items() if k != "id"}
    result = await conn.execute(insert(RiskFlagEvent).values(**values))
    (row_id,) = result.inserted_primary_key or (None,)
    assert row_id is not None
    return replace(row, id=int(row_id))
