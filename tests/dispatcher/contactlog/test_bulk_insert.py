"""The contact log's bulk path: a large batch on PostgreSQL goes through COPY.

It must store exactly what the plain INSERT stores, answer existing idempotency keys
with the existing message, and write nothing at all when any part of it fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.contactlog.store import ContactLog
from dispatcher.enqueue.requests import validate_batch
from templates import TemplateCatalog
from tests.dispatcher.conftest import reminder

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
BULK = ContactLog.COPY_FROM_ROWS


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """The COPY path is PostgreSQL's: these tests run there only (SQLite keeps INSERT)."""
    return postgres_database


@pytest.fixture
def postgres(engine: AsyncEngine) -> AsyncEngine:
    assert engine.dialect.name == "postgresql"
    return engine


def rows(keys: list[str], **overrides: Any) -> list[dict[str, Any]]:
    requests = [reminder(idempotency_key=key, debtor_ref=f"D-{key}", **overrides) for key in keys]
    return validate_batch(
        requests, catalog=TemplateCatalog(), now=NOW, max_sms_segments=4,
        validity=timedelta(hours=72),
    )  # fmt: skip


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        messages = (await conn.execute(select(func.count()).select_from(Message))).scalar_one()
        events = (await conn.execute(select(func.count()).select_from(MessageEvent))).scalar_one()
    return messages, events


async def stored(engine: AsyncEngine, key: str) -> dict[str, Any]:
    """A message row and its events as PostgreSQL holds them, JSON kinds included."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT m.*, jsonb_typeof(m.address) AS address_kind, "
                    "jsonb_typeof(m.collector_ids) AS collector_ids_kind "
                    "FROM messages m WHERE idempotency_key = :key"
                ),
                {"key": key},
            )
        ).one()
        events = (
            await conn.execute(
                select(MessageEvent.at, MessageEvent.source, MessageEvent.status,
                       MessageEvent.detail).where(MessageEvent.message_id == row.id)
            )
        ).all()  # fmt: skip
    shown = dict(row._mapping)
    for name in ("id", "idempotency_key", "debtor_ref", "request_fingerprint"):
        shown.pop(name)
    return {**shown, "events": [tuple(e) for e in events]}


async def test_a_bulk_batch_stores_what_the_plain_insert_stores(postgres: AsyncEngine) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    plain = await log.add_queued(rows(["plain"]))
    bulk = await log.add_queued(rows([f"bulk-{i}" for i in range(BULK)]))

    assert plain[0].created and all(a.created for a in bulk)
    assert await stored(postgres, "bulk-0") == await stored(postgres, "plain")
    assert await counts(postgres) == (BULK + 1, BULK + 1)


async def test_keys_already_in_the_log_are_answered_with_the_existing_message(
    postgres: AsyncEngine,
) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    before = await log.add_queued(rows([f"k-{i}" for i in range(0, BULK, 2)]))

    answers = await log.add_queued(rows([f"k-{i}" for i in range(BULK)]))

    existing = {a.idempotency_key: a.message_id for a in before}
    for answer in answers:
        if answer.idempotency_key in existing:
            assert not answer.created
            assert answer.message_id == existing[answer.idempotency_key]
        else:
            assert answer.created
    assert [a.idempotency_key for a in answers] == [f"k-{i}" for i in range(BULK)]
    assert await counts(postgres) == (BULK, BULK)  # one queued event per message, no more


async def test_a_bulk_batch_sent_again_creates_nothing(postgres: AsyncEngine) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    batch = rows([f"r-{i}" for i in range(BULK)])
    first = await log.add_queued(batch)
    again = await log.add_queued(rows([f"r-{i}" for i in range(BULK)]))

    assert [a.message_id for a in again] == [a.message_id for a in first]
    assert all(a.created for a in first) and not any(a.created for a in again)
    assert await counts(postgres) == (BULK, BULK)


async def test_a_batch_failing_after_its_copy_writes_nothing(postgres: AsyncEngine) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    [taken] = await log.add_queued(rows(["taken"]))
    batch = rows([f"f-{i}" for i in range(BULK)])
    batch[-1]["id"] = taken.message_id  # a new key under an existing id: the INSERT fails

    with pytest.raises(Exception, match=r"pk_messages|duplicate key"):
        await log.add_queued(batch)

    assert await counts(postgres) == (1, 1)
    # The pooled connection and its scratch table are clean: the batch goes in whole.
    again = await log.add_queued(rows([f"f-{i}" for i in range(BULK)]))
    assert all(a.created for a in again)
    assert await counts(postgres) == (BULK + 1, BULK + 1)


async def test_a_batch_failing_in_its_copy_writes_nothing(postgres: AsyncEngine) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    batch = rows([f"c-{i}" for i in range(BULK)])
    batch[3]["channel"] = "x" * 17  # longer than the column: COPY itself refuses it

    with pytest.raises(Exception, match="too long"):
        await log.add_queued(batch)

    assert await counts(postgres) == (0, 0)
    again = await log.add_queued(rows([f"c-{i}" for i in range(BULK)]))
    assert all(a.created for a in again)


async def test_a_naive_time_is_refused_before_anything_is_written(postgres: AsyncEngine) -> None:
    log = ContactLog(postgres, FrozenClock(NOW))
    batch = rows([f"n-{i}" for i in range(BULK)])
    batch[0]["scheduled_for"] = NOW.replace(tzinfo=None)

    with pytest.raises(ValueError, match="naive datetime"):
        await log.add_queued(batch)

    assert await counts(postgres) == (0, 0)
