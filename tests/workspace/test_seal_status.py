"""Each timeline entry's seal status: pending before the sealer runs, sealed in a named
checkpoint after, partly sealed when a later event has not been sealed yet; one query per
page whatever its length. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import MessageEvent
from dispatcher.proof.seal import seal_pending
from dispatcher.workspace.access.people import PeopleStore
from dispatcher.workspace.debtor.timeline import load_debtor
from tests.dispatcher.conftest import Stack
from tests.workspace.conftest import Browser
from tests.workspace.seed import insert_contact, seed

KEY = Ed25519PrivateKey.generate()  # one chain, one signer


def _later(stack: Stack) -> datetime:
    return max(stack.clock.now(), datetime.now(UTC)) + timedelta(hours=1)  # all settled


async def _seal(stack: Stack) -> int:
    sealed = await seal_pending(stack.log.engine, KEY, now=_later(stack))
    assert sealed
    return sealed[-1].number


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _contact_with_events(stack: Stack, events: int = 2) -> str:
    message_id = await insert_contact(stack, debtor_ref="D-MANY")
    at = stack.clock.now()
    async with stack.log.engine.begin() as conn:
        await conn.execute(insert(MessageEvent), [
            {"message_id": message_id, "at": at, "source": "worker", "status": status,
             "detail": {}}
            for status in ["queued", "sent"][:events]
        ])  # fmt: skip
    return message_id


async def test_an_entry_is_pending_until_sealed_then_names_its_checkpoint(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await browser.sign_in("ann")
    status, page = await browser.get("/workspace/debtors/D-CN")
    assert status == 200
    assert 'class="seal pending"' in page and "尚未存证" in page
    assert "已存证于" not in page

    number = await _seal(stack)
    status, page = await browser.get("/workspace/debtors/D-CN")
    assert 'class="seal sealed"' in page and "seal pending" not in page
    assert f"已存证于第 {number} 号检查点" in page
    assert f"dispatcher audit prove {ids['blocked']}" in page
    assert "dispatcher audit verify" in page and "并未重新校验" in page  # not "verified"


async def test_english_names_the_checkpoint_its_size_and_time_on_the_debtors_clock(
    stack: Stack, tmp_path: Path
) -> None:
    ids = await seed(stack)
    before = await load_debtor(stack.log.engine, "D-1", locale="en-US", letters_root=tmp_path)
    assert before is not None
    assert [e.seal.state for e in before.entries] == ["pending"]
    assert before.entries[0].sealed_at_local == ""

    number = await _seal(stack)
    after = await load_debtor(stack.log.engine, "D-1", locale="en-US", letters_root=tmp_path)
    assert after is not None
    entry = after.entries[0]
    assert entry.id == ids["sent"]
    assert entry.seal.state == "sealed" and entry.seal.checkpoint == number
    assert entry.seal.sealed == entry.seal.events >= 3  # queued, sending, sent at least
    assert entry.seal.tree_size is not None and entry.seal.tree_size > 0
    assert "America/New_York" in entry.sealed_at_local


async def test_a_later_event_leaves_the_entry_partly_sealed(stack: Stack, tmp_path: Path) -> None:
    message_id = await _contact_with_events(stack)
    number = await _seal(stack)
    async with stack.log.engine.begin() as conn:  # a delivery receipt after the seal
        await conn.execute(insert(MessageEvent), [
            {"message_id": message_id, "at": stack.clock.now(), "source": "webhook",
             "status": "delivered", "detail": {}},
        ])  # fmt: skip
    file = await load_debtor(stack.log.engine, "D-MANY", locale="zh-CN", letters_root=tmp_path)
    assert file is not None
    seal = file.entries[0].seal
    assert (seal.state, seal.sealed, seal.events, seal.checkpoint) == ("partly", 2, 3, number)

    second = await _seal(stack)
    file = await load_debtor(stack.log.engine, "D-MANY", locale="zh-CN", letters_root=tmp_path)
    assert file is not None
    seal = file.entries[0].seal
    assert (seal.state, seal.checkpoint) == ("sealed", second)  # the checkpoint of the last


async def test_entries_sealed_in_different_checkpoints_name_their_own(
    stack: Stack, tmp_path: Path
) -> None:
    first_id = await _contact_with_events(stack)
    first = await _seal(stack)
    second_id = await _contact_with_events(stack)
    second = await _seal(stack)
    file = await load_debtor(stack.log.engine, "D-MANY", locale="en-US", letters_root=tmp_path)
    assert file is not None
    checkpoints = {e.id: e.seal.checkpoint for e in file.entries}
    assert checkpoints == {first_id: first, second_id: second} and first != second


async def test_the_page_reads_seals_in_one_query_however_many_entries(
    stack: Stack, tmp_path: Path
) -> None:
    await _contact_with_events(stack)
    await _seal(stack)
    with counted(stack.log.engine) as one_entry:
        await load_debtor(stack.log.engine, "D-MANY", locale="en-US", letters_root=tmp_path)
    for _ in range(11):
        await _contact_with_events(stack)
    await _seal(stack)
    with counted(stack.log.engine) as twelve_entries:
        file = await load_debtor(stack.log.engine, "D-MANY", locale="en-US", letters_root=tmp_path)
    assert file is not None and len(file.entries) == 12
    assert {e.seal.state for e in file.entries} == {"sealed"}
    assert len(twelve_entries) == len(one_entry)
    assert sum("audit_leaves" in statement for statement in twelve_entries) == 1
