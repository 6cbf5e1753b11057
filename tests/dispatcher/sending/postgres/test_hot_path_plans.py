"""The hot path's statements keep their indexes in the plans its pool makes once per
connection (``plan_cache_mode = force_generic_plan``), on a log whose statistics are stale:
analysed when every message was sent, then a backlog queued. The batched moves were once
driven from the status index there, walking every queued row for each row of the batch."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.domain import PENDING, EventSource, MessageStatus
from dispatcher.sending.postgres import statements as sql
from dispatcher.sending.postgres.batched_moves import _batch_sql, shape_of
from dispatcher.sending.postgres.pool import connect_pool

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
SENT, QUEUED, DEBTORS = 40_000, 3_000, 4_000

_SEED = """
    INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref, channel,
        template_name, template_version, locale, variables, destination, requested_by,
        created_at, scheduled_for, valid_until, updated_at, status, attempts, attempted_at)
    SELECT :prefix || n, :prefix || n, 'D-' || (n % :debtors), 'A-1', 'sms', 't', 'v', 'zh-CN',
        '{}'::json, '+8613800' || lpad((n % :debtors)::text, 6, '0'), 'test',
        t, t, t + interval '1 day', t, :status, :attempts, CASE WHEN :attempts > 0 THEN t END
    FROM (SELECT n, CAST(:now AS timestamptz) - make_interval(mins => n % 50000) AS t
          FROM generate_series(0, :count - 1) AS n) AS s
"""


async def explained(conn: asyncpg.Connection, name: str, query: str, args: str) -> str:
    """The plan the prepared statement runs with: EXPLAIN EXECUTE shows the generic one."""
    await conn.execute(f"PREPARE {name} AS {query}")
    rows = await conn.fetch(f"EXPLAIN EXECUTE {name}({args})")
    return "\n".join(row[0] for row in rows)


async def test_the_hot_paths_plans_use_their_indexes_on_stale_statistics(
    engine: AsyncEngine, database_url: str
) -> None:
    async with engine.begin() as conn:
        seed = {"debtors": DEBTORS, "now": NOW, "count": SENT}
        await conn.execute(
            text(_SEED), {**seed, "prefix": "S", "status": "delivered", "attempts": 1}
        )
    async with engine.connect() as conn:
        await conn.execute(text("COMMIT"))
        await conn.execute(text("ANALYZE messages"))  # every message sent, as far as it knows
    async with engine.begin() as conn:  # then a backlog, which the statistics do not know of
        backlog = {**seed, "prefix": "Q", "count": QUEUED, "status": "queued", "attempts": 0}
        await conn.execute(text(_SEED), backlog)

    pool = await connect_pool(database_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
            decisions = await explained(
                conn, "decisions", sql.DECISIONS,
                "ARRAY['D-1', 'D-2'], ARRAY['Q1', 'Q2'], ARRAY[1, 2]::bigint[], now(), 201",
            )  # fmt: skip
            shape = shape_of(PENDING, MessageStatus.SENDING, EventSource.WORKER, ("attempts",))
            claims = await explained(
                conn, "claims", _batch_sql(shape[3]),
                "ARRAY['Q1', 'Q2'], ARRAY[now(), now()], ARRAY['{}', '{}']::jsonb[], "
                "ARRAY[1, 1], 'sending', ARRAY['deferred', 'queued'], 'worker'",
            )  # fmt: skip
            reads = await explained(conn, "reads", sql.GET_MESSAGES, "ARRAY['Q1', 'Q2']")
            # Planned for its values too (a pooler resetting the setting): no status index.
            await conn.execute("SET plan_cache_mode = force_custom_plan")
            claims_custom = (await conn.fetch("EXPLAIN EXECUTE claims(ARRAY['Q1', 'Q2'], "
                "ARRAY[now(), now()], ARRAY['{}', '{}']::jsonb[], ARRAY[1, 1], 'sending', "
                "ARRAY['deferred', 'queued'], 'worker')"))  # fmt: skip
            await conn.execute("RESET plan_cache_mode; DEALLOCATE ALL")
    finally:
        await pool.close()
        async with engine.connect() as conn:  # the next test's statistics are its own
            await conn.execute(text("COMMIT"))
            await conn.execute(text("DELETE FROM messages"))
            await conn.execute(text("ANALYZE messages"))

    for plan in (decisions, claims, reads):
        assert re.search(r"\$\d", plan), plan  # the generic plan, with its parameters
        assert "Seq Scan on messages" not in plan, plan
        assert "ix_messages_status" not in plan, plan  # no walk over the queued rows
    assert "Index Scan using pk_messages on messages" in decisions, decisions
    assert "ix_messages_debtor_channel_attempted" in decisions, decisions  # recent attempts
    assert "pk_messages on messages m" in claims, claims
    custom = "\n".join(row[0] for row in claims_custom)
    assert "ix_messages_status" not in custom and "pk_messages on messages m" in custom, custom
    assert "pk_messages" in reads, reads
