"""Statistics on a large log: the stats query and the incremental fold, at 10k and 10M rows.

    python -m benchmarks.stats [--rows 10000 10000000] [--repeat 50]

Each size gets its own PostgreSQL database, named for this run, dropped at the end. The
log is filled by ``generate_series`` (a year of contacts: 60% texts, 30% collectors' calls
by 200 collectors in 10 teams, each on two of the 20 portfolios, 10% letters; 1 debtor and
account per 100 messages, each assigned to a collector of its portfolio, a payment on one
account in seven; one ``sending`` event per message). The backlog's counters are
built by one SQL statement per table that counts exactly what the fold counts (checked: at the
smallest size the fold itself runs first and its counters must equal the SQL-built ones).
Then: the stats query for 30 days (no filter, a team, a portfolio) ``--repeat`` times,
p50/p99; and the fold of 10,000 new messages' events (two each: queued, sending).
The clock is pinned (the log's times are fixed); the load average is printed with it.
The send path's secondary indexes are dropped for the fill (see ``DROP_SEND_PATH_INDEXES``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.stats.fold import fold_pending
from dispatcher.stats.query import StatsFilter, figures

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the pinned clock
FIRST = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a year before
VERDICT = (
    '{"decision": "allow", "rules": [{"rule_id": "hours.allowed_window", "decision": "allow",'
    ' "inputs": {"packs": ["cn", "org"], "zones": ["Asia/Shanghai"], "window": "[08:00, 22:00)"}}]}'
)


def messages_sql(first: int, last: int, start: datetime, verdict: str | None) -> str:
    """Messages ``first``..``last``: attempted within 09:00-21:00 Shanghai, delivered. A hash
    of the row number spreads them over debtors, collectors and results; each collector
    calls the accounts of two portfolios (an account's portfolio is its number mod 20)."""
    v = "NULL" if verdict is None else f"'{verdict}'::jsonb"
    per_portfolio = DEBTORS // 20
    return f"""
    INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref, channel, template_name,
        template_version, locale, variables, destination, requested_by, created_at,
        scheduled_for, valid_until, updated_at, status, attempts, attempted_at, result,
        collector_id, verdict)
    SELECT lpad(i::text, 26, '0'), 'k' || i, 'd-' || a.n, 'a-' || a.n,
        c.channel, 't', 'v', 'zh-CN', '{{}}', '+8613800138000', 'strategy', t.at, t.at,
        t.at + interval '2 days', t.at, 'delivered', 1, t.at,
        CASE WHEN c.channel = 'voice' THEN (ARRAY['conversation', 'voicemail', 'unanswered',
             'answered'])[1 + (x.h / 7) % 4] ELSE 'sent' END,
        CASE WHEN c.channel = 'voice' THEN 'c-' || (x.h % 200) END, {v}
    FROM generate_series({first}::bigint, {last}::bigint) AS i,
    LATERAL (SELECT (i * 2654435761) % 4294967291 AS h) x,
    LATERAL (SELECT CASE WHEN i % 10 < 6 THEN 'sms' WHEN i % 10 < 9 THEN 'voice'
                    ELSE 'letter' END AS channel) c,
    LATERAL (SELECT CASE WHEN c.channel = 'voice'
                    THEN ((x.h / 200) % {per_portfolio}) * 20 + (x.h % 10) * 2 + (x.h / 40000) % 2
                    ELSE (x.h / 200) % {DEBTORS} END AS n) a,
    LATERAL (SELECT timestamptz '{start.isoformat()}' + ((i % 365) || ' days')::interval
                    + (((i * 7919) % 43200) || ' seconds')::interval AS at) t
    """


def events_sql(first: int, last: int) -> str:
    return f"""
    INSERT INTO message_events (message_id, at, source, status, detail)
    SELECT id, attempted_at, 'worker', 'sending', '{{"attempt": 1}}'
    FROM messages WHERE id BETWEEN lpad('{first}', 26, '0') AND lpad('{last}', 26, '0')
    ORDER BY id
    """


DEBTORS = 0  # set per size: one debtor (and account) per 100 messages

SETUP = [
    "INSERT INTO collectors (collector_id, name, phone, team, updated_at, active) "
    "SELECT 'c-' || i, 'c-' || i, '+8613800000000', 'team-' || (i % 10), now(), true "
    "FROM generate_series(0, 199) i",
    "INSERT INTO debtors (debtor_ref, time_zone, country, updated_at) "
    "SELECT 'd-' || i, 'Asia/Shanghai', 'CN', now() FROM generate_series(0, {d}) i",
    "INSERT INTO portfolio_accounts (debtor_ref, account_ref, portfolio, assigned_by, "
    "assigned_at) SELECT 'd-' || i, 'a-' || i, 'p-' || (i % 20), 'bench', now() "
    "FROM generate_series(0, {d}) i",
    # The book: one account per debtor, a third overdue; each debtor assigned to a collector
    # who calls its portfolio (so a team's book is two portfolios' debtors).
    "INSERT INTO accounts (debtor_ref, account_ref, amount, currency, days_overdue, updated_at) "
    "SELECT 'd-' || i, 'a-' || i, 1000 + i % 5000, 'CNY', (i % 3) * 30, now() "
    "FROM generate_series(0, {d}) i",
    "INSERT INTO debtor_assignments (debtor_ref, collector_id, assigned_by, assigned_at) "
    "SELECT 'd-' || i, 'c-' || ((i % 20) / 2 + 10 * ((i / 20) % 20)), 'bench', now() "
    "FROM generate_series(0, {d}) i",
    # A payment on one account in seven, somewhere in the year.
    "INSERT INTO payments (payment_id, fingerprint, debtor_ref, account_ref, amount, currency, "
    "paid_at, paid_on, portfolio, reported_by, received_at, attribution) "
    "SELECT 'p-' || i, 'f', 'd-' || i, 'a-' || i, 100, 'CNY', "
    "timestamptz '2025-12-01 04:00+00' + (i % 365) * interval '1 day', "
    "date '2025-12-01' + (i % 365), 'p-' || (i % 20), 'bench', now(), 'none' "
    "FROM generate_series(0, {d}, 7) i",
]
# What the fold counts for these messages (no dispositions, all inside the hours).
BACKLOG_COUNTERS = [
    """INSERT INTO stats_contacts (message_id, day, channel, collector_id, portfolio, result,
        disposition)
    SELECT m.id, (m.attempted_at AT TIME ZONE 'Asia/Shanghai')::date, m.channel,
        coalesce(m.collector_id, ''), coalesce(p.portfolio, ''), coalesce(m.result, 'pending'), ''
    FROM messages m LEFT JOIN portfolio_accounts p
        ON p.debtor_ref = m.debtor_ref AND p.account_ref = m.account_ref""",
    """INSERT INTO stats_daily (metric, day, channel, collector_id, portfolio, detail, count)
    SELECT 'contact', day, channel, collector_id, portfolio, result, count(*)
    FROM stats_contacts GROUP BY day, channel, collector_id, portfolio, result
    UNION ALL
    SELECT 'attempt', day, channel, collector_id, portfolio, '', count(*)
    FROM stats_contacts GROUP BY day, channel, collector_id, portfolio""",
    "INSERT INTO stats_cursor (name, last_event_id, updated_at) "
    "SELECT 'events', max(id), now() FROM message_events",
]


async def admin(sql: str) -> None:
    engine = create_async_engine(make_url(POSTGRES), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def run_sql(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as conn:
        for sql in statements:
            await conn.execute(text(sql))


# The fold and the figures read messages and events by primary key only: the send path's
# other indexes, unique keys and the event -> message foreign key are dropped for the fill
# (maintaining them row by row would make filling 10M rows take hours on a shared machine).
DROP_SEND_PATH_INDEXES = """
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
           WHERE conrelid IN ('messages'::regclass, 'message_events'::regclass)
             AND contype IN ('u', 'f') LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
  END LOOP;
  FOR r IN SELECT indexname FROM pg_indexes
           WHERE tablename IN ('messages', 'message_events') AND indexname NOT LIKE 'pk_%' LOOP
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END $$"""


async def fill(engine: AsyncEngine, rows: int) -> None:
    global DEBTORS
    DEBTORS = max(rows // 100 // 20, 1) * 20  # a multiple of the 20 portfolios
    await run_sql(engine, DROP_SEND_PATH_INDEXES, *(s.format(d=DEBTORS - 1) for s in SETUP))
    for first in range(1, rows + 1, 1_000_000):
        last = min(first + 999_999, rows)
        await run_sql(engine, messages_sql(first, last, FIRST, VERDICT), events_sql(first, last))
    await run_sql(engine, "ANALYZE")


async def counters(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM stats_daily WHERE count <> 0 ORDER BY 1,2,3,4,5,6")
        )
        return [tuple(r) for r in rows]


def timed(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms   p99 {p99 * 1000:8.1f} ms"


async def measure(url: str, rows: int, repeat: int, check: bool) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        began = time.perf_counter()
        await fill(engine, rows)
        print(f"{rows:>10} rows: filled in {time.perf_counter() - began:.1f} s")
        if check:
            began = time.perf_counter()
            await fold_pending(engine, now=NOW)
            print(f"{'':>10}  the fold of the whole backlog: {time.perf_counter() - began:.2f} s")
            folded = await counters(engine)
            await run_sql(engine, "DELETE FROM stats_daily", "DELETE FROM stats_contacts",
                          "DELETE FROM stats_cursor")  # fmt: skip
        began = time.perf_counter()
        await run_sql(engine, *BACKLOG_COUNTERS, "ANALYZE")
        print(f"{'':>10}  backlog counters by SQL: {time.perf_counter() - began:.1f} s")
        if check:
            assert await counters(engine) == folded, "the SQL-built counters differ from the fold's"
            print(f"{'':>10}  SQL-built counters equal the fold's ({len(folded)} rows)")
        async with engine.connect() as conn:
            size = (await conn.execute(text("SELECT count(*) FROM stats_daily"))).scalar_one()
        print(f"{'':>10}  stats_daily rows: {size}")
        period = StatsFilter(date(2026, 10, 1), date(2026, 10, 30))
        for name, wanted in (
            ("30 days", period),
            ("30 days, a team", StatsFilter(period.start, period.end, team="team-3")),
            ("30 days, a portfolio", StatsFilter(period.start, period.end, portfolio="p-7")),
            ("a year", StatsFilter(date(2025, 12, 1), date(2026, 11, 30))),
        ):
            samples = []
            for _ in range(repeat):
                began = time.perf_counter()
                await figures(engine, wanted, grace_days=3, today=NOW.date())
                samples.append(time.perf_counter() - began)
            print(f"{'':>10}  stats query, {name:<22} {timed(samples)}")
        new_start = NOW - timedelta(minutes=10)
        await run_sql(
            engine,
            messages_sql(rows + 1, rows + 10_000, new_start, VERDICT)
            .replace("(i % 365) || ' days'", "0 || ' days'")
            .replace("(((i * 7919) % 43200) || ' seconds')", "((i % 60) || ' seconds')"),
            events_sql(rows + 1, rows + 10_000).replace("'sending'", "'queued'"),
            events_sql(rows + 1, rows + 10_000),
        )
        began = time.perf_counter()
        folded_now = await fold_pending(engine, now=NOW)
        spent = time.perf_counter() - began
        events = sum(f.events for f in folded_now)
        print(
            f"{'':>10}  fold of {events} new events: {spent:.2f} s ({events / spent:,.0f} events/s)"
        )
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    for rows in args.rows:
        name = f"stats_bench_{uuid.uuid4().hex[:10]}"
        await admin(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
            await measure(url, rows, args.repeat, check=rows <= 100_000)
        finally:
            await admin(f'DROP DATABASE IF EXISTS "{name}"')
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
