"""When a debtor's records fall due for destruction, and what blocks it.

Due at the latest of: the account's closing plus the policy's days (the debtor's own
policy, else its portfolio's), and the debtor's last record plus the longest minimum
record-keeping period of the packs that apply to it (``[[records]] keep_years``: cn
collection records 5 years, recordings 2; us-regf 3 years from the last activity). No
policy, no packs, or an open legal hold (a dispute, litigation, a regulator's request):
nothing is destroyed. Nor when no pack of the debtor declares a period: that is a
gap in the packs to fill, not a licence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from compliance.packs import load_packs, packs_for
from compliance.packs.errors import PackError
from dispatcher.contactlog.models import Debtor, Hold, Message
from dispatcher.retention.models import (
    RetentionClosure,
    RetentionPolicy,
    RetentionProgress,
    RetentionRun,
)
from dispatcher.risk_flags.read import active_flags

__all__ = ["LEGAL_FLAGS", "LEGAL_HOLDS", "Plan", "PlannedDebtor", "legal_holds", "plan"]

# Hold kinds and risk flags that stop destruction while they stand (besides what they do
# to contact): an open dispute, litigation, a regulator's request or attention.
LEGAL_HOLDS = ("dispute", "litigation", "regulator_request")
LEGAL_FLAGS = ("litigation", "media_attention")


@dataclass
class PlannedDebtor:
    debtor_ref: str
    closed_at: datetime
    policy: str  # "debtor D-1: 30 days after closing", "portfolio P: ...", "" (none)
    minimum: str  # "cn collection_records: 5 years from creation", "" (none)
    due_at: datetime | None
    blocked_by: list[str] = field(default_factory=list)

    def due(self, now: datetime) -> bool:
        return not self.blocked_by and self.due_at is not None and self.due_at <= now

    def to_json(self) -> dict[str, Any]:
        return {
            "debtor_ref": self.debtor_ref,
            "closed_at": self.closed_at.isoformat(),
            "policy": self.policy,
            "minimum": self.minimum,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "blocked_by": self.blocked_by,
        }


@dataclass
class Plan:
    now: datetime
    debtors: list[PlannedDebtor]

    @property
    def due(self) -> list[PlannedDebtor]:
        return [debtor for debtor in self.debtors if debtor.due(self.now)]


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


async def plan(conn: AsyncConnection, *, now: datetime) -> Plan:
    """Every closed debtor not yet erased, with when it falls due and what blocks it."""
    erased = {
        ref
        for ref, rows in await conn.execute(
            select(RetentionProgress.debtor_ref, RetentionProgress.rows).join(
                RetentionRun, RetentionRun.id == RetentionProgress.run_id
            )
        )
        if "blocked" not in rows  # a debtor a hold stopped mid-run is planned again
    }
    closures = [
        closure
        for closure in await conn.execute(
            select(RetentionClosure.__table__).order_by(RetentionClosure.debtor_ref)
        )
        if closure.debtor_ref not in erased
    ]
    policies = {
        (row.scope, row.ref): row.keep_days
        for row in await conn.execute(select(RetentionPolicy.__table__))
    }
    return Plan(now, [await _planned(conn, closure, policies) for closure in closures])


async def _planned(
    conn: AsyncConnection, closure: Any, policies: dict[tuple[str, str], int]
) -> PlannedDebtor:
    ref = closure.debtor_ref
    planned = PlannedDebtor(ref, closure.closed_at, "", "", None)
    scope = ("debtor", ref) if ("debtor", ref) in policies else ("portfolio", closure.portfolio)
    if scope not in policies:
        planned.blocked_by.append("no retention policy for the debtor or its portfolio")
        return planned
    days = policies[scope]
    planned.policy = f"{scope[0]} {scope[1]}: {days} days after the account closed"
    due = closure.closed_at + timedelta(days=days)
    minimum = await _pack_minimum(conn, ref)
    if isinstance(minimum, str):
        planned.blocked_by.append(minimum)
        return planned
    if minimum is not None:
        kept_until, planned.minimum = minimum
        due = max(due, kept_until)
    planned.due_at = due
    planned.blocked_by.extend(await legal_holds(conn, ref))
    return planned


async def _pack_minimum(conn: AsyncConnection, ref: str) -> tuple[datetime, str] | str | None:
    """The end of the longest minimum record-keeping period of the debtor's packs; a
    reason (str) when it cannot be told; None when the debtor has no records."""
    debtor = (await conn.execute(select(Debtor.__table__).where(Debtor.debtor_ref == ref))).first()
    try:
        pack_ids = debtor.packs if debtor and debtor.packs else (
            packs_for(debtor.country, debtor.region) if debtor and debtor.country else None
        )  # fmt: skip
        if not pack_ids:
            return "the debtor's packs are not known: its minimum record-keeping is not known"
        packs = load_packs(pack_ids)
    except PackError as exc:
        return f"the debtor's packs cannot be read: {exc}"
    created, active = (
        await conn.execute(
            select(func.max(Message.created_at), func.max(Message.updated_at)).where(
                Message.debtor_ref == ref
            )
        )
    ).one()
    if created is None:
        return None
    longest: tuple[datetime, str] | None = None
    for pack in packs.packs:
        for rule in pack.records:
            if rule.keep_years is None:
                continue
            start = created if rule.kept_from == "creation" else active
            until = add_years(start, rule.keep_years)
            if longest is None or until > longest[0]:
                said = f"{pack.id} {rule.id}: {rule.keep_years} years from {rule.kept_from}"
                longest = (until, said)
    if longest is None:
        return f"no pack of {', '.join(packs.ids)} declares a minimum record-keeping period"
    return longest


async def legal_holds(conn: AsyncConnection, ref: str) -> list[str]:
    rows = await conn.execute(
        select(Hold.id, Hold.kind)
        .where(Hold.debtor_ref == ref, Hold.lifted_at.is_(None), Hold.kind.in_(LEGAL_HOLDS))
        .order_by(Hold.id)
    )
    holds = [f"hold {hold_id} ({kind}) stands" for hold_id, kind in rows]
    flags = [
        f"risk flag {flag.flag} set since {flag.set_at.isoformat()}"
        for flag in await active_flags(conn, ref)
        if flag.flag in LEGAL_FLAGS
    ]
    return holds + flags
