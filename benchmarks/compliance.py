"""Verdict latency: every rule plus the atomic reservation, against PostgreSQL holding
10,000 and then 1,000,000 contact-log rows. The cost must not grow with the log.

    python -m benchmarks.compliance [--database-url URL] [--samples 2000] [--sizes 10000]

Two kinds of message are measured: a text (as before), and a collector's call under
Reg F, which also counts the debt's calls (what counts: answered, unanswered, voicemail,
and calls in flight) and looks for a conversation in the past 7 days (the quiet period).

Each sample is what a worker does per message (``Pipeline.run``): take the debtor's lock,
load the debtor and the message, run the whole gate (holds, hours, caps, content rules),
claim the message (queued → sending, with its event) — and here roll it back, so the log
stays the same size. Beside it, in the same run: a bare transaction doing SELECT 1 on the
same engine, as the floor. ``--unfolded`` opens the session without the message's id, so
the message and the holds are read in statements of their own (as before they were folded
into the lock's statement).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from compliance import ComplianceGate
from dispatcher.clock import FrozenClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.session import debtor_session
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import PENDING, MessageStatus
from dispatcher.process.deps import default_rules
from dispatcher.sending.pipeline import render_message, subject_for
from dispatcher.settings import Settings
from templates import TemplateCatalog

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 10:00 in New York


async def fresh_database(admin_url: str, name: str) -> str:
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def drop_database(admin_url: str, name: str) -> None:
    # FORCE only on this run's own database: the pause reader may still hold a connection.
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(admin_url: str, sql: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(sql))
    await admin.dispose()


async def grow_log(engine: AsyncEngine, rows: int) -> None:
    """Fill the log to ``rows`` messages over 100,000 debtors, sent over the past 60 days."""
    async with engine.begin() as conn:
        have = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one()
        await conn.execute(
            text(
                """
                INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref, channel,
                    template_name, template_version, locale, variables, destination,
                    requested_by, created_at, scheduled_for, valid_until, updated_at, status,
                    attempts, attempted_at)
                SELECT lpad(to_hex(g), 26, '0'), 'bench-' || g, 'D-' || (g % 100000),
                    'A-' || (g % 100000), 'sms', 'overdue_reminder', 'v', 'en-US', '{}',
                    '+1212555' || lpad((g % 10000)::text, 4, '0'), 'bench',
                    ts, ts, ts + interval '3 days', ts, 'delivered', 1, ts
                FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
                     LATERAL (SELECT CAST(:now AS timestamptz)
                                     - (g % 86400) * interval '1 minute' AS ts) t
                """
            ),
            {"first": have + 1, "last": rows, "now": NOW},
        )
    # Measure the steady state, not the aftermath of the bulk fill: vacuum (so autovacuum
    # does not start mid-run) and checkpoint (so the writes are not flushed mid-run).
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE) messages"))
        await conn.execute(text("CHECKPOINT"))


async def add_calls(engine: AsyncEngine) -> None:
    """The benchmark debtor's recent calls: 5 counted this week, a busy one, an old
    conversation (outside the quiet period) and one that reached a wrong number."""
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM messages WHERE idempotency_key LIKE 'call-%'"))
        for i, (days, result, disposition) in enumerate(
            [(1, "unanswered", None), (2, "voicemail", None), (2, "answered", None),
             (3, "unanswered", None), (4, "unanswered", None), (4, "busy", None),
             (9, "conversation", None), (5, "answered", '{"kind": "wrong_number"}')]
        ):  # fmt: skip
            await conn.execute(
                text(
                    """
                    INSERT INTO messages (id, idempotency_key, debtor_ref, account_ref,
                        channel, template_name, template_version, locale, variables,
                        destination, requested_by, created_at, scheduled_for, valid_until,
                        updated_at, status, attempts, attempted_at, result, disposition)
                    VALUES (:id, :key, 'D-7', 'A-7', 'voice', 'collector_call', 'v', 'en-US',
                        '{}', '+12125550007', 'bench', :at, :at, :at, :at, 'delivered', 1,
                        :at, :result, CAST(:disposition AS jsonb))
                    """
                ),
                {"id": f"call-{i:021d}", "key": f"call-{i}", "result": result,
                 "at": NOW - timedelta(days=days), "disposition": disposition},
            )  # fmt: skip


def call_message(message: Message) -> Message:
    """The benchmark's text, as an automated voice reminder about the same debt."""
    fields = {c.key: getattr(message, c.key) for c in Message.__table__.columns}
    return Message(**{**fields, "id": "bench-call", "idempotency_key": "kc",
                      "channel": "voice", "template_name": "payment_reminder"})  # fmt: skip


async def sample_verdicts(
    engine: AsyncEngine, samples: int, *, channel: str = "sms", folded: bool = True
) -> list[float]:
    log = ContactLog(engine, FrozenClock(NOW))
    catalog = TemplateCatalog()
    gate = ComplianceGate(
        default_rules(
            Settings.from_env({}, database_url=engine.url.render_as_string(hide_password=False))
        )
    )
    await log.upsert_debtor("D-7", country="US", time_zone="America/New_York")
    message = Message(
        id="bench-message", idempotency_key="k", debtor_ref="D-7", account_ref="A-7",
        channel="sms", template_name="overdue_reminder", template_version="v",
        locale="en-US", destination="+12125550007", requested_by="bench",
        variables={"company_name": "Harbor Recovery", "debtor_name": "Maria Garcia",
                   "amount": "1240.00", "currency": "USD", "due_date": "2026-11-15",
                   "days_overdue": 13, "contact_phone": "(800) 555-0199"},
        created_at=NOW, scheduled_for=NOW, valid_until=NOW, updated_at=NOW,
        status="queued", attempts=0,
    )  # fmt: skip
    if channel == "voice":
        message = call_message(message)
    render = render_message(catalog, message)
    assert render.rendered is not None, render.error
    async with engine.begin() as conn:  # queued in the log, as the pipeline finds it
        await conn.execute(delete(Message).where(Message.id == message.id))
        await conn.execute(
            insert(Message).values({c.key: getattr(message, c.key) for c in Message.__table__.c})
        )
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        prefetch = {"message_id": message.id} if folded else {}
        async with debtor_session(engine, "D-7", **prefetch) as session:
            current = await session.message(message.id)
            assert current is not None and current.status in PENDING
            verdict = await gate.evaluate(
                subject_for(current, render, session, session.debtor, now=NOW)
            )
            assert verdict.decision.value == "allow", verdict.to_json()
            claimed = await session.move(
                current.id, expect=PENDING, to=MessageStatus.SENDING, at=NOW,
                detail={"attempt": 1, "template_version": render.rendered.version},
                content=render.rendered.body, template_version=render.rendered.version,
                verdict=verdict.to_json(), attempts=1, attempted_at=NOW,
            )  # fmt: skip
            assert claimed
            await session.conn.rollback()
        timings.append(time.perf_counter() - started)
    return timings


async def sample_floor(engine: AsyncEngine, samples: int) -> list[float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
        timings.append(time.perf_counter() - started)
    return timings


def summary(label: str, timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(f"  {label:<46} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")
    return p50, p99


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument(
        "--unfolded", action="store_true", help="read the message and holds separately"
    )
    args = parser.parse_args()
    folded = not args.unfolded

    # Named for the run and dropped after it: the server is shared.
    name = f"dispatcher_bench_compliance_{uuid.uuid4().hex[:10]}"
    url = await fresh_database(args.database_url, name)
    engine = create_engine(url)
    try:
        await measure(engine, args.samples, args.sizes, folded)
    finally:
        await engine.dispose()
        await drop_database(args.database_url, name)


async def measure(engine: AsyncEngine, samples: int, sizes_arg: str, folded: bool) -> None:
    await upgrade(engine)
    results, calls = {}, {}
    for size in (int(s) for s in sizes_arg.split(",")):
        started = time.perf_counter()
        await grow_log(engine, size)
        await add_calls(engine)
        print(f"contact log with {size:,} rows (filled in {time.perf_counter() - started:.1f} s)")
        await sample_verdicts(engine, 200, folded=folded)  # warm up: prepared statements
        await sample_verdicts(engine, 200, channel="voice", folded=folded)
        summary("floor: BEGIN; SELECT 1; COMMIT", await sample_floor(engine, samples))
        results[size] = summary(
            "verdict: lock, debtor, all rules, claim, end",
            await sample_verdicts(engine, samples, folded=folded),
        )
        calls[size] = summary(
            "call verdict: + Reg F count, quiet period",
            await sample_verdicts(engine, samples, channel="voice", folded=folded),
        )
    sizes = sorted(results)
    if len(sizes) > 1:
        for label, measured in (("texts", results), ("calls", calls)):
            small, large = measured[sizes[0]], measured[sizes[-1]]
            print(
                f"ratio {sizes[-1]:,} / {sizes[0]:,} rows, {label}: "
                f"p50 {large[0] / small[0]:.2f}, p99 {large[1] / small[1]:.2f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
