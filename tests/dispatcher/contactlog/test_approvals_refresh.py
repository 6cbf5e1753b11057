"""The approvals register is read once however many jobs find it stale together."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import SystemClock
from dispatcher.contactlog.approvals import ApprovalDecision, TemplateApprovals
from templates import TemplateCatalog


def reads_of_the_register(engine: AsyncEngine) -> list[str]:
    reads: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "template_approvals" in statement:
            reads.append(statement)

    return reads


async def test_fifty_jobs_finding_the_register_stale_read_it_once(engine: AsyncEngine) -> None:
    approvals = TemplateApprovals(engine, SystemClock(), TemplateCatalog())
    reads = reads_of_the_register(engine)

    await asyncio.gather(*(approvals.refresh() for _ in range(50)))
    assert len(reads) == 1

    await asyncio.gather(*(approvals.refresh() for _ in range(50)))  # fresh: no read
    assert len(reads) == 1


async def test_a_decision_is_read_back_even_while_the_register_is_fresh(
    engine: AsyncEngine,
) -> None:
    catalog = TemplateCatalog()
    approvals = TemplateApprovals(engine, SystemClock(), catalog)
    await approvals.refresh()
    reads = reads_of_the_register(engine)

    await approvals.decide(ApprovalDecision("sms", "en-US", "overdue_reminder", "0" * 16,
                                            approved=True, by="compliance:test"))  # fmt: skip

    assert len(reads) == 1
    assert catalog.approvals.find("sms", "overdue_reminder", "en-US", "0" * 16) is not None
