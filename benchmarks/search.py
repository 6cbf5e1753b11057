"""Searching by the time of contact (a day on the debtor's clock) on a large log.

    python -m benchmarks.search [--rows 10000 1000000 10000000] [--repeat 20]

Each size gets its own PostgreSQL database, named for this run, dropped at the end,
migrated to 0019 (before the search's indexes). The log is filled by ``generate_series``:
a year of contacts whose ids grow with time as real ones do (texts, calls, and one visit
in twenty, its ``visit_at`` two days after it was asked for), one debtor per 100 messages.
The send path's other secondary indexes are dropped for the fill (as in
``benchmarks/stats.py``); the search reads none of them. Then, before and after migration
0020 (before: up to ``--before-up-to`` rows, as each page is then a full scan): the first
page of a search for one day in the middle of the year (``--repeat``
times, p50/p99), the same for the last day, and every page of the middle day (what an
export reads), once. The same rows must be found before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.stats import DROP_SEND_PATH_INDEXES, POSTGRES, admin, run_sql
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.workspace.access.people import PersonRecord
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.search.query import Search, pages, search

FIRST = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a year before
DAYS = 365
PAGE = 50
READER = PersonRecord(1, "bench", "bench", frozenset({PersonRole.COMPLIANCE}), None, "en-US")


def messages_sql(rows: int) -> str:
    """``rows`` messages spread evenly over the year, in id order; 5% visits."""
    step_s = DAYS * 86_400 / rows
    debtors = max(rows // 100, 1)
    return f"""
    INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref, channel, template_name,
        template_version, locale, variables, destination, requested_by, created_at,
        scheduled_for, valid_until, updated_at, status, attempts, attempted_at, result,
        collector_id)
    SELECT lpad(i::text, 26, '0'), 'k' || i, 'd-' || (i % {debtors}), 'a-' || (i % {debtors}),
        c.channel, 't', 'v', 'zh-CN',
        CASE WHEN c.channel = 'visit' THEN jsonb_build_object('visit_at',
             to_char((t.at + interval '2 days') AT TIME ZONE 'Asia/Shanghai',
                     'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')) ELSE '{{}}'::jsonb END,
        '+8613800138000', 'strategy', t.at, t.at, t.at + interval '3 days', t.at,
        'delivered', 1, CASE WHEN c.channel = 'visit' THEN NULL ELSE t.at END, 'sent',
        CASE WHEN c.channel <> 'sms' THEN 'c-' || (i % 200) END
    FROM generate_series(1::bigint, {rows}::bigint) AS i,
    LATERAL (SELECT CASE WHEN i % 20 = 0 THEN 'visit' WHEN i % 10 < 7 THEN 'sms'
                    ELSE 'voice' END AS channel) c,
    LATERAL (SELECT timestamptz '{FIRST.isoformat()}'
                    + ((i * {step_s})::bigint || ' seconds')::interval AS at) t
    """


def filling(rows: int) -> list[str]:
    debtors = max(rows // 100, 1)
    return [
        DROP_SEND_PATH_INDEXES,
        "INSERT INTO debtors (debtor_ref, time_zone, country, updated_at) "
        f"SELECT 'd-' || i, 'Asia/Shanghai', 'CN', now() FROM generate_series(0, {debtors - 1}) i",
        messages_sql(rows),
        "ANALYZE",
    ]


def timed(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:9.1f} ms   p99 {p99 * 1000:9.1f} ms"


async def first_page(engine: AsyncEngine, day: date, repeat: int) -> tuple[str, list[str]]:
    wanted = Search(contact_from=day, contact_to=day)
    samples, found = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        rows, _ = await search(engine, wanted, READER, before=None, limit=PAGE)
        samples.append(time.perf_counter() - began)
        found = [row.id for row in rows]
    return timed(samples), found


async def every_page(engine: AsyncEngine, day: date) -> tuple[float, int]:
    began = time.perf_counter()
    count = 0
    async for batch in pages(engine, Search(contact_from=day, contact_to=day), READER):
        count += len(batch)
    return time.perf_counter() - began, count


async def measure(url: str, rows: int, repeat: int, before_up_to: int) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0019")
        began = time.perf_counter()
        await run_sql(engine, *filling(rows))
        print(f"{rows:>10} rows: filled in {time.perf_counter() - began:.1f} s")
        middle = (FIRST + timedelta(days=DAYS // 2)).date()
        last = (FIRST + timedelta(days=DAYS - 2)).date()
        seen: dict[str, list[object]] = {}
        # Without the indexes each page is a full scan: measured up to ``before_up_to`` rows.
        labels = ("before 0020", "after 0020") if rows <= before_up_to else ("after 0020",)
        for label in labels:
            if label.startswith("after"):
                began = time.perf_counter()
                await upgrade(engine)
                await run_sql(engine, "ANALYZE messages")
                print(f"{'':>10}  migration 0020: {time.perf_counter() - began:.1f} s")
            for name, day in (("a middle day", middle), ("the last day", last)):
                figures, found = await first_page(engine, day, repeat)
                seen.setdefault(name, []).append(found)
                print(f"{'':>10}  {label}, first page of {name} {day}: {figures}")
            spent, count = await every_page(engine, middle)
            seen.setdefault("every page", []).append(count)
            print(f"{'':>10}  {label}, every page of {middle}: {count} rows in {spent:.2f} s")
        for name, results in seen.items():
            assert all(f == results[0] for f in results), f"{name}: other rows after 0020"
            assert results[0], f"{name}: nothing found"
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--before-up-to", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    for rows in args.rows:
        name = f"search_bench_{uuid.uuid4().hex[:10]}"
        await admin(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
            await measure(url, rows, args.repeat, args.before_up_to)
        finally:
            await admin(f'DROP DATABASE IF EXISTS "{name}"')
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
