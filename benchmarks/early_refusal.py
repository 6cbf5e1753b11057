"""What early refusal costs a batch: validating 10,000 texts without and with what the
contact log knows (packs, collectors, preferred language), same items, same run.

    python -m benchmarks.early_refusal [--count 10000] [--rounds 3] [--database-url URL]

Each round builds two batches of ``count`` texts to distinct US numbers for distinct
debtors (half of them with a record: a country and a preferred language), then times
``enqueue_facts`` for one (the contact log read: one query per 500 debtors), and
``validate_batch`` of the other alone and of this one with those facts, each first in
every other round. The clock is pinned; figures are medians, and minimums.
Default database: a SQLite file in a temporary directory (PostgreSQL with a URL; the
tables it makes are its own: ``debtors`` rows named ``bench-<run>-…``, deleted at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.models import Debtor
from dispatcher.enqueue.early_refusal import EnqueueFacts, enqueue_facts
from dispatcher.enqueue.requests import MessageRequest, validate_batch
from templates import TemplateCatalog

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 10:00 in New York
VARIABLES = {
    "company_name": "Harbor Recovery", "debtor_name": "Maria Garcia", "amount": "1240.00",
    "currency": "USD", "due_date": "2026-11-15", "days_overdue": 13,
    "contact_phone": "(800) 555-0199",
}  # fmt: skip


def requests(count: int, run: str, seed: int) -> list[MessageRequest]:
    numbers = random.Random(seed).sample(range(2_000_000, 9_999_999), count)
    return [
        MessageRequest(
            channel="sms",
            template="overdue_reminder",
            locale="en-US",
            destination=f"+1212{n}",
            debtor_ref=f"bench-{run}-{i}",
            variables={**VARIABLES, "amount": f"{100 + i}.00"},
        )
        for i, n in enumerate(numbers)
    ]


async def main(count: int, rounds: int, database_url: str | None) -> None:
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        catalog = TemplateCatalog()
        figures: dict[str, list[float]] = {"alone": [], "facts read": [], "with facts": []}
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(Debtor),
                    [
                        {"debtor_ref": f"bench-{run}-{i}", "country": "US",
                         "preferred_locale": "en-US", "updated_at": NOW}
                        for i in range(0, count, 2)
                    ],
                )  # fmt: skip
            for seed in range(rounds):
                plain = requests(count, run, seed)
                checked = requests(count, run, seed + 1000)  # other numbers: no parse cached
                started = time.perf_counter()
                facts = await enqueue_facts(engine, checked, now=NOW)
                figures["facts read"].append(time.perf_counter() - started)
                runs = [("alone", plain, None), ("with facts", checked, facts)]
                for name, batch, known in runs[:: 1 if seed % 2 else -1]:  # either first
                    started = time.perf_counter()
                    _validate(batch, catalog, known)
                    figures[name].append(time.perf_counter() - started)
        finally:
            async with engine.begin() as conn:
                await conn.execute(delete(Debtor).where(Debtor.debtor_ref.like(f"bench-{run}-%")))
            await engine.dispose()
    print(f"validate {count:,} texts, {rounds} rounds, median (min):")
    for name, seconds in figures.items():
        print(f"  {name:<11} {statistics.median(seconds):7.3f} s  ({min(seconds):.3f} s)")
    alone = statistics.median(figures["alone"])
    added = statistics.median(figures["with facts"]) + statistics.median(figures["facts read"])
    print(f"  early refusal adds {100 * (added - alone) / alone:+.0f}% to validation")


def _validate(
    batch: list[MessageRequest], catalog: TemplateCatalog, facts: EnqueueFacts | None
) -> None:
    validate_batch(
        batch, catalog=catalog, now=NOW, max_sms_segments=3, validity=timedelta(hours=24),
        facts=facts,
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="What early refusal costs a batch")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.rounds, args.database_url))
