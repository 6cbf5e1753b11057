"""A destruction run: resumable and safe to interrupt.

The run's plan (which debtors, under which policy) is written first, in its own
transaction. Each debtor is then erased in one transaction that also records it as done,
so an interruption loses at most that debtor's transaction, and the next run resumes the
unfinished run instead of planning anew. The certificate — who, when, which debtors, how
many rows, under which policy — is appended last, with the run marked finished; it is a
sealed kind, so it enters the tree like any other append.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.retention.erase import erase_debtor
from dispatcher.retention.models import (
    RetentionCertificate,
    RetentionProgress,
    RetentionRun,
)
from dispatcher.retention.policy import legal_holds, plan

__all__ = ["RunResult", "erase_debtor", "run_retention"]


@dataclass(frozen=True)
class RunResult:
    run_id: int | None  # None: nothing was due
    resumed: bool
    certificate_id: int | None
    debtors: list[dict[str, Any]]
    rows: dict[str, int]


async def run_retention(engine: AsyncEngine, *, by: str, now: datetime) -> RunResult:
    run_id, planned, resumed = await _run_to_do(engine, by=by, now=now)
    if run_id is None:
        return RunResult(None, False, None, [], {})
    done = await _done(engine, run_id)
    for debtor in planned:
        ref = debtor["debtor_ref"]
        if ref in done:
            continue
        async with engine.begin() as conn:
            blocked = await legal_holds(conn, ref)  # set since the run was planned
            rows = {"blocked": 1} if blocked else await erase_debtor(conn, ref, now=now)
            await conn.execute(
                insert(RetentionProgress).values(run_id=run_id, debtor_ref=ref, rows=rows,
                                                 done_at=now)
            )  # fmt: skip
        done[ref] = rows
    debtors = [
        {**debtor, "outcome": "blocked by a legal hold" if "blocked" in done[debtor["debtor_ref"]]
         else "erased"}
        for debtor in planned
    ]  # fmt: skip
    totals: Counter[str] = Counter()
    for rows in done.values():
        totals.update({k: v for k, v in rows.items() if k != "blocked"})
    async with engine.begin() as conn:
        certificate_id = (
            await conn.execute(
                insert(RetentionCertificate)
                .values(at=now, by=by, run_id=run_id, debtors=debtors, rows=dict(totals))
                .returning(RetentionCertificate.id)
            )
        ).scalar_one()
        await conn.execute(
            update(RetentionRun)
            .where(RetentionRun.id == run_id)
            .values(finished_at=now, certificate_id=certificate_id)
        )
    return RunResult(run_id, resumed, certificate_id, debtors, dict(totals))


async def _run_to_do(
    engine: AsyncEngine, *, by: str, now: datetime
) -> tuple[int | None, list[dict[str, Any]], bool]:
    """The unfinished run to resume, or a new one for the debtors due now."""
    async with engine.begin() as conn:
        unfinished = (
            await conn.execute(
                select(RetentionRun.id, RetentionRun.plan)
                .where(RetentionRun.finished_at.is_(None))
                .order_by(RetentionRun.id)
                .limit(1)
            )
        ).first()
        if unfinished is not None:
            return unfinished.id, list(unfinished.plan), True
        due = [debtor.to_json() for debtor in (await plan(conn, now=now)).due]
        if not due:
            return None, [], False
        run_id = (
            await conn.execute(
                insert(RetentionRun)
                .values(started_at=now, by=by, plan=due)
                .returning(RetentionRun.id)
            )
        ).scalar_one()
        return run_id, due, False


async def _done(engine: AsyncEngine, run_id: int) -> dict[str, dict[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(RetentionProgress.debtor_ref, RetentionProgress.rows).where(
                RetentionProgress.run_id == run_id
            )
        )
        return {ref: dict(counts) for ref, counts in rows}
