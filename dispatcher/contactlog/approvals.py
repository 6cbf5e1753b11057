"""Template approvals given over the API, merged with the register file into the catalog.

``templates/approvals.toml`` is compliance's register, reviewed like code. Compliance can
also approve or revoke a version over the API (``POST /v1/templates/approvals``); those
decisions are rows here, and the latest row for a version wins over the file. Every
process keeps the merged register in its catalog and re-reads the rows at most every
``max_age_s`` (2 s): an approval or a revocation takes effect everywhere within that.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.models import TemplateApproval
from templates import TemplateCatalog
from templates.approvals import Approval, ApprovalRegister

__all__ = ["ApprovalDecision", "TemplateApprovals"]


@dataclass(frozen=True)
class ApprovalDecision:
    channel: str
    locale: str
    name: str
    version: str
    approved: bool
    by: str
    reason: str | None = None


class TemplateApprovals:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, catalog: TemplateCatalog, *, max_age_s: float = 2.0
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.catalog = catalog
        self.max_age_s = max_age_s
        self._file = catalog.approvals  # the register file, as shipped
        self._read_at = float("-inf")
        self._reading = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        """Re-read the API's decisions if the last read is older than ``max_age_s``."""
        if not force and self._fresh():
            return
        # One read at a time: the jobs a worker starts together all find the register
        # stale at once, and each reading it took a pool connection of its own (a worker
        # made ~190 reads of it in 10 s under load, where 5 were due).
        async with self._reading:
            if not force and self._fresh():
                return
            started = time.monotonic()
            async with self.engine.connect() as conn:
                table = TemplateApproval.__table__
                rows = await conn.execute(select(table).order_by(table.c.id))
                latest = {(r.channel, r.locale, r.name, r.version): r for r in rows}
            self.catalog.set_approvals(_merged(self._file, list(latest.values())))
            self._read_at = started

    def _fresh(self) -> bool:
        return time.monotonic() - self._read_at < self.max_age_s

    async def decide(self, decision: ApprovalDecision) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(TemplateApproval).values(
                    channel=decision.channel, locale=decision.locale, name=decision.name,
                    version=decision.version, approved=decision.approved,
                    by=decision.by, at=self.clock.now(), reason=decision.reason,
                )
            )  # fmt: skip
        await self.refresh(force=True)


def _merged(file: ApprovalRegister, rows: list[Row[Any]]) -> ApprovalRegister:
    """The file's approvals, overridden by the latest API decision for each version.

    A version approved over the API keeps the marks the file gives that template's name.
    """
    decided = {(r.channel, r.locale, r.name, r.version) for r in rows}
    kept = [a for a in file.approvals if (a.channel, a.locale, a.name, a.version) not in decided]
    lawful, after_cease = file.lawful_action_templates, file.allowed_after_cease
    given = [
        Approval(
            channel=r.channel, locale=r.locale, name=r.name, version=r.version,
            approved_by=r.by, approved_on=r.at.date(), lawful_action=r.name in lawful,
            allowed_after_cease=r.name in after_cease,
        )
        for r in rows
        if r.approved
    ]  # fmt: skip
    return ApprovalRegister(kept + given)
