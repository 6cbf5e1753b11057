"""What the language layer and the risk flags cost: the ``risk.flags`` rule's read of a
debtor's flags in the decision window, and explaining a stored verdict in plain language.

    python -m benchmarks.risk_flags [--debtors 2000] [--events 20000] [--samples 2000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

On a fresh contact log — SQLite in a temporary file, or with ``--postgres`` a database
this run creates beside the one named and drops at the end — holding ``--events`` events
over ``--debtors`` debtors: per sample, the debtor's transaction with its lock, then the
rule (read and fold the debtor's events, apply the packs' table) — beside, in the same run,
the same transaction running only ``SELECT 1`` (the floor), the two interleaved. Then
``explain`` of a stored deferral in zh-CN, beside ``json.dumps`` of the same verdict. The
clock is pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from compliance import CheckSubject, ComplianceGate
from compliance.hours import ContactHoursRule
from compliance.rules import RiskFlagsRule
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.session import DebtorSession, debtor_session
from dispatcher.i18n import explain
from dispatcher.risk_flags.models import RiskFlagEvent

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: a deferral to explain
FLAGS = ("complaint", "vulnerable", "litigation", "media_attention", "fraud_suspected")


def subject(debtor_ref: str, facts: DebtorSession) -> CheckSubject:
    return CheckSubject(
        message_id="m", channel="sms", debtor_ref=debtor_ref, account_ref=None,
        destination="+8613800138000", locale="zh-CN", template_name="overdue_reminder",
        template_version="v", body="您好", render_error=None, segments=1, now=NOW,
        facts=facts, packs=("cn", "org"), debtor_time_zone="Asia/Shanghai",
    )  # fmt: skip


async def timed(samples: int, step: Callable[[int], Awaitable[object]]) -> list[float]:
    took = []
    for i in range(samples):
        start = time.perf_counter()
        await step(i)
        took.append((time.perf_counter() - start) * 1000)
    return took


def shown(name: str, ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[-1]
    return f"{name:<34} median {statistics.median(ms):7.3f} ms   p95 {p95:7.3f} ms"


async def main(debtors: int, events: int, samples: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if postgres:
            url = await create_database(postgres, f"bench_risk_flags_{os.getpid()}")
        try:
            stored = await measure(url, debtors, events, samples)
        finally:
            if postgres:
                await drop_database(postgres, f"bench_risk_flags_{os.getpid()}")
    measure_explain(stored, samples)


async def create_database(admin_url: str, name: str) -> str:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def drop_database(admin_url: str, name: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    await admin.dispose()


async def measure(url: str, debtors: int, events: int, samples: int) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        rows = [
            {"debtor_ref": f"D-{i % debtors}", "flag": FLAGS[i % len(FLAGS)],
             "action": ("set", "reviewed", "cleared")[(i // debtors) % 3], "reason": "bench",
             "actor": "collector:c-1", "actor_role": "collector",
             "at": NOW - timedelta(minutes=events - i)}
            for i in range(events)
        ]  # fmt: skip
        async with engine.begin() as conn:
            await conn.execute(insert(RiskFlagEvent), rows)
        rule = RiskFlagsRule()

        async def floor(i: int) -> None:
            async with debtor_session(engine, f"D-{i % debtors}") as session:
                await session.conn.execute(text("SELECT 1"))

        async def with_rule(i: int) -> None:
            async with debtor_session(engine, f"D-{i % debtors}") as session:
                await rule.check(subject(f"D-{i % debtors}", session))

        await timed(200, floor)  # warm up
        base: list[float] = []
        flagged: list[float] = []
        for i in range(samples):  # interleaved: both see the same machine
            for into, step in ((base, floor), (flagged, with_rule)):
                start = time.perf_counter()
                await step(i)
                into.append((time.perf_counter() - start) * 1000)
        kind = engine.dialect.name
        print(f"{events} risk-flag events over {debtors} debtors, {samples} samples ({kind})")
        print(shown("lock + SELECT 1 (floor)", base))
        print(shown("lock + risk.flags rule", flagged))
        print(f"{'rule cost over the floor':<34} median "
              f"{statistics.median(flagged) - statistics.median(base):7.3f} ms")  # fmt: skip

        async with debtor_session(engine, "D-1") as session:
            gate = ComplianceGate([ContactHoursRule(), RiskFlagsRule()])
            return (await gate.evaluate(subject("D-1", session))).to_json()
    finally:
        await engine.dispose()


def measure_explain(stored: dict[str, Any], samples: int) -> None:
    def dumps(_: int) -> object:
        return json.dumps(stored, ensure_ascii=False)

    def explained(_: int) -> object:
        return explain(stored, "zh-CN", "Asia/Shanghai")

    for name, step in (
        ("json.dumps of the verdict", dumps),
        ("explain(verdict, zh-CN)", explained),
    ):
        took = []
        for i in range(samples):
            start = time.perf_counter()
            step(i)
            took.append((time.perf_counter() - start) * 1000)
        print(shown(name, took))
    print("explained:", *explain(stored, "zh-CN", "Asia/Shanghai"), sep="\n  ")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--postgres", help="an admin URL; the run makes its own database")
    args = parser.parse_args()
    asyncio.run(main(args.debtors, args.events, args.samples, args.postgres))
