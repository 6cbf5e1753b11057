"""`dispatcher retention ...`: record closings and policies, plan and run destruction.

Run it with the database owner's role (the one migrations run as): erasure is the one
change the append-only trigger allows, and only to the owner.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.database import create_engine
from dispatcher.retention.models import RetentionClosure, RetentionPolicy
from dispatcher.retention.policy import plan
from dispatcher.retention.run import run_retention
from dispatcher.settings import Settings

__all__ = ["add_retention_parser", "run_retention_command"]


def _aware(raw: str) -> datetime:
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{raw!r}: give a time with its offset (+08:00, Z)")
    return moment.astimezone(UTC)


def add_retention_parser(commands: Any) -> None:
    retention = commands.add_parser("retention", help="destroy personal data on schedule")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    close = sub.add_parser("close", help="record that a debtor's account closed")
    close.add_argument("debtor_ref")
    close.add_argument("--closed-at", type=_aware, required=True, help="ISO time with offset")
    close.add_argument("--portfolio", help="the portfolio whose policy applies")
    close.add_argument("--by", required=True, help="who records it")
    policy = sub.add_parser("policy", help="keep a portfolio's or debtor's records N days")
    policy.add_argument("scope", choices=("portfolio", "debtor"))
    policy.add_argument("ref")
    policy.add_argument("keep_days", type=int, help="days after the account closed")
    policy.add_argument("--by", required=True)
    show = sub.add_parser("plan", help="show what would be destroyed, and what blocks it")
    show.add_argument("--json", action="store_true")
    run = sub.add_parser("run", help="erase what is due; resumes an interrupted run")
    run.add_argument("--by", required=True, help="who runs it (written in the certificate)")


def run_retention_command(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_command(settings, args))


async def _command(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        return await _COMMANDS[args.retention_command](engine, args, datetime.now(UTC))
    finally:
        await engine.dispose()


async def _close(engine: AsyncEngine, args: argparse.Namespace, now: datetime) -> int:
    async with engine.begin() as conn:
        await conn.execute(
            delete(RetentionClosure).where(RetentionClosure.debtor_ref == args.debtor_ref)
        )
        await conn.execute(
            insert(RetentionClosure).values(
                debtor_ref=args.debtor_ref, portfolio=args.portfolio, closed_at=args.closed_at,
                set_by=args.by, set_at=now,
            )
        )  # fmt: skip
    print(f"{args.debtor_ref}: account closed at {args.closed_at.isoformat()}")
    return 0


async def _policy(engine: AsyncEngine, args: argparse.Namespace, now: datetime) -> int:
    if args.keep_days < 0:
        print("dispatcher retention policy: keep_days: must be 0 or more")
        return 2
    async with engine.begin() as conn:
        await conn.execute(
            delete(RetentionPolicy).where(
                RetentionPolicy.scope == args.scope, RetentionPolicy.ref == args.ref
            )
        )
        await conn.execute(
            insert(RetentionPolicy).values(
                scope=args.scope, ref=args.ref, keep_days=args.keep_days, set_by=args.by,
                set_at=now,
            )
        )  # fmt: skip
    print(f"{args.scope} {args.ref}: kept {args.keep_days} days after the account closes")
    return 0


async def _plan(engine: AsyncEngine, args: argparse.Namespace, now: datetime) -> int:
    async with engine.connect() as conn:
        found = await plan(conn, now=now)
    if args.json:
        print(json.dumps([d.to_json() | {"due": d.due(now)} for d in found.debtors], indent=2))
        return 0
    for debtor in found.debtors:
        if debtor.due(now):
            state = "DUE: would be erased"
        elif debtor.blocked_by:
            state = "blocked: " + "; ".join(debtor.blocked_by)
        else:
            state = f"kept until {debtor.due_at.isoformat() if debtor.due_at else '?'}"
        print(f"{debtor.debtor_ref}: {state} ({debtor.policy or 'no policy'}; "
              f"{debtor.minimum or 'no pack minimum'})")  # fmt: skip
    print(f"{len(found.due)} of {len(found.debtors)} closed debtors are due")
    return 0


async def _run(engine: AsyncEngine, args: argparse.Namespace, now: datetime) -> int:
    result = await run_retention(engine, by=args.by, now=now)
    if result.run_id is None:
        print("nothing is due")
        return 0
    print(json.dumps({"run": result.run_id, "resumed": result.resumed,
                      "certificate": result.certificate_id, "debtors": result.debtors,
                      "rows": result.rows}, ensure_ascii=False, indent=2))  # fmt: skip
    return 0


_COMMANDS = {"close": _close, "policy": _policy, "plan": _plan, "run": _run}
