"""The timeline's seal status query (dispatcher/workspace/debtor/seal_status.py) on PostgreSQL:
time for one page of 500 entries against a long chain of checkpoints, beside the page's
own messages query (the baseline, same run, same database).

    python -m benchmarks.seal_status [--messages 200000] [--checkpoints 100000]
        [--server-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

A database named for this run is made beside the server URL's and dropped afterwards.
Each message has three events, each event one leaf; the leaves are split evenly over the
checkpoints (the worker seals every 10 s: a quiet day makes thousands of small ones).
Debtor ``H-0``'s 500 messages are spread over the whole log: its page names checkpoints
from the oldest to the newest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.bench_setup import drop_database, fresh_database, seed_log
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.workspace.debtor.seal_status import seal_statuses

PIN = datetime(2026, 12, 1, tzinfo=UTC)
TREE_SIZE_INDEX = "ix_audit_checkpoints_tree_size"
PAGE = 500


async def _seal_synthetically(database_url: str, checkpoints: int) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("""
                INSERT INTO message_events (message_id, at, source, status, detail)
                SELECT m.id, m.created_at, 'worker', s.status, '{}'::json
                FROM messages m, (VALUES (1, 'queued'), (2, 'sending'), (3, 'sent')) AS s(k, status)
                ORDER BY m.created_at, m.id, s.k
            """))  # fmt: skip
            await conn.execute(text("""
                INSERT INTO audit_leaves (leaf_index, kind, event_id, version, leaf_hash)
                SELECT row_number() OVER (ORDER BY id) - 1, 'message_event', id, 2,
                       sha256(id::text::bytea)
                FROM message_events
            """))  # fmt: skip
            leaves = (await conn.execute(text("SELECT count(*) FROM audit_leaves"))).scalar_one()
            await conn.execute(text("""
                INSERT INTO audit_checkpoints (number, tree_size, root_hash, previous_hash, at,
                    last_event_id, gaps, key_id, signature, frontier, cursors)
                SELECT n, least(CAST(:leaves AS bigint),
                                n * CAST(ceil(CAST(:leaves AS numeric) / :checkpoints) AS bigint)),
                       md5(n::text) || md5(n::text), md5('p' || n) || md5('p' || n),
                       now(), 0, '[]'::json, 'bench', 'bench', '[]'::json, '{}'::json
                FROM generate_series(1, CAST(:checkpoints AS integer)) AS n
            """), {"leaves": leaves, "checkpoints": checkpoints})  # fmt: skip
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            for table in ("message_events", "audit_leaves", "audit_checkpoints"):
                await conn.execute(text(f"ANALYZE {table}"))
    finally:
        await engine.dispose()


async def _run(database_url: str, ddl: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(ddl))
            await conn.execute(text("ANALYZE audit_checkpoints"))
    finally:
        await engine.dispose()


def _page(debtor: str | None) -> Any:
    """A debtor's newest messages, or (None) the messages with the newest events: the
    page whose oldest leaf is recent, where the checkpoints after it are few."""
    if debtor is not None:
        return (
            select(Message.id)
            .where(Message.debtor_ref == debtor)
            .order_by(Message.id.desc())
            .limit(PAGE)
        )
    newest = (
        select(MessageEvent.message_id, func.max(MessageEvent.id).label("last"))
        .group_by(MessageEvent.message_id)
        .order_by(func.max(MessageEvent.id).desc())
        .limit(PAGE)
        .subquery()
    )
    return select(newest.c.message_id)


async def _measure(database_url: str, debtor: str | None, repeats: int) -> tuple[float, float, str]:
    """Median ms of the page's messages query (the debtor's; None: the newest messages of
    all) and of its seal statuses; the states seen."""
    engine = create_engine(database_url)
    page_ms, seal_ms = [], []
    try:
        async with engine.connect() as conn:
            for _ in range(repeats):
                started = time.perf_counter()
                ids = list((await conn.execute(_page(debtor))).scalars())
                page_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                statuses = await seal_statuses(conn, ids)
                seal_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    checkpoints = sorted({s.checkpoint for s in statuses.values() if s.checkpoint})
    states = sorted({s.state for s in statuses.values()})
    seen = f"{len(ids)} entries, {states}, checkpoints {checkpoints[0]}..{checkpoints[-1]}"
    return statistics.median(page_ms), statistics.median(seal_ms), seen


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--checkpoints", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    url = await fresh_database(args.server_url, uuid.uuid4().hex[:12])
    try:
        await seed_log(url, rows=args.messages, debtors=args.messages // PAGE, pin=PIN)
        await _seal_synthetically(url, args.checkpoints)
        print(f"{args.messages} messages, {3 * args.messages} sealed events, "
              f"{args.checkpoints} checkpoints")  # fmt: skip
        # Migration 0020's index on tree_size, dropped for the first pass and made again.
        for label, ddl in (
            ("without the tree_size index", f"DROP INDEX {TREE_SIZE_INDEX}"),
            ("with it", f"CREATE INDEX {TREE_SIZE_INDEX} ON audit_checkpoints (tree_size)"),
        ):
            await _run(url, ddl)
            for name, debtor in (("debtor H-0 (spread over the log)", "H-0"),
                                 ("the messages with the newest events", None)):  # fmt: skip
                page, seal, seen = await _measure(url, debtor, args.repeats)
                print(f"{label}, {name}: {seen}")
                print(f"  page of messages (baseline): {page:.1f} ms median of {args.repeats}")
                print(f"  seal statuses of the page:   {seal:.1f} ms median of {args.repeats} "
                      f"({seal / page:.1f}x the baseline)")  # fmt: skip
    finally:
        await drop_database(args.server_url, url)


if __name__ == "__main__":
    asyncio.run(main())
