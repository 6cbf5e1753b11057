"""Which debtors each collector may see: only those assigned to them. Everyone else with
a workspace role sees every debtor. A debtor a person may not see is answered as if it
did not exist (404), so that a page never tells a collector who else is in the book."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.models import Message
from dispatcher.workspace.access.people import PersonRecord
from dispatcher.workspace.access.roles import SEES_EVERY_DEBTOR
from dispatcher.workspace.models import DebtorAssignment

__all__ = ["Assignments", "visible_messages"]


class Assignments:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    async def assign(self, collector_id: str, debtor_refs: Sequence[str], *, by: str) -> int:
        """Assign debtors to a collector; already assigned ones are left as they are."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        rows = [
            {"debtor_ref": ref, "collector_id": collector_id, "assigned_by": by,
             "assigned_at": self.clock.now()}
            for ref in dict.fromkeys(debtor_refs)
        ]  # fmt: skip
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(DebtorAssignment).values(rows).on_conflict_do_nothing()
            )
        return max(result.rowcount, 0)

    async def may_see(self, person: PersonRecord, debtor_ref: str) -> bool:
        if person.holds(*SEES_EVERY_DEBTOR):
            return True
        if person.collector_id is None:
            return False
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(DebtorAssignment.debtor_ref).where(
                    DebtorAssignment.debtor_ref == debtor_ref,
                    DebtorAssignment.collector_id == person.collector_id,
                )
            )
            return found.first() is not None


def visible_messages(query: Select[Any], person: PersonRecord) -> Select[Any]:
    """``query`` over messages narrowed to the debtors ``person`` may see."""
    if person.holds(*SEES_EVERY_DEBTOR):
        return query
    assigned = select(DebtorAssignment.debtor_ref).where(
        DebtorAssignment.collector_id == (person.collector_id or "")
    )
    return query.where(Message.debtor_ref.in_(assigned))
