"""`dispatcher stats fold`: fold every settled event into the counters now (the worker's
cron does it every 15 seconds; this is for a backlog, e.g. after the first deployment)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from typing import Any

from dispatcher.clock import SystemClock
from dispatcher.contactlog.database import create_engine
from dispatcher.settings import Settings
from dispatcher.stats.fold import LAG, fold_pending

__all__ = ["add_stats_parser", "run_stats"]


def add_stats_parser(commands: Any) -> None:
    stats = commands.add_parser("stats", help="statistics: fold the contact log's events")
    sub = stats.add_subparsers(dest="stats_command", required=True)
    fold = sub.add_parser("fold", help="fold every settled event into the daily counters")
    fold.add_argument("--lag", type=float, default=LAG.total_seconds(),
                      help="seconds an event must be old to be folded (default 30)")  # fmt: skip


def run_stats(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_fold(settings, lag=timedelta(seconds=args.lag)))


async def _fold(settings: Settings, *, lag: timedelta) -> int:
    engine = create_engine(settings.effective_database_url)
    try:
        folded = await fold_pending(engine, now=SystemClock().now(), lag=lag, max_blocks=1_000_000)
    finally:
        await engine.dispose()
    events = sum(f.events for f in folded)
    last = f" up to event {folded[-1].last_event_id}" if folded else ""
    print(f"folded {events} events{last}")
    return 0
