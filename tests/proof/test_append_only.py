"""PostgreSQL: the application's role cannot UPDATE or DELETE a sealed table (grants and
the append-only trigger); it can append, seal, and set a closing column once. The owner's
retention run is the one exception. PostgreSQL only: SQLite has no roles."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.database import create_engine
from dispatcher.proof.appendonly import grant_application_role, install_triggers, protected_tables
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from dispatcher.retention.erase import erase_debtor
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()
pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
async def app(engine: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine logged in as a fresh application role, granted by `audit protect`."""
    role = f"dispatcher_app_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        await conn.run_sync(install_triggers, protected_tables())
        await conn.run_sync(grant_application_role, role)
    app = create_engine(make_url(database_url).set(username=role).render_as_string(False))
    try:
        yield app
    finally:
        await app.dispose()
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP OWNED BY {role}"))
            await conn.execute(text(f"DROP ROLE {role}"))


async def add_hold(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO holds (kind, debtor_ref, set_by, source, reason, created_at) "
            "VALUES ('cease', 'D-1', 'api:c', 'api', 'asked', now())"))  # fmt: skip


async def refused(engine: AsyncEngine, *statements: str) -> str:
    with pytest.raises(DBAPIError) as raised:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    return str(raised.value.orig)


async def test_the_application_role_appends_and_seals_but_cannot_rewrite(
    engine: AsyncEngine, app: AsyncEngine
) -> None:
    await add_messages(app, 2)  # messages and their events, as the send path writes them
    assert await seal_pending(app, KEY, now=START + timedelta(hours=1))

    for statement in (
        "UPDATE message_events SET detail = '{}' WHERE id = 1",
        "DELETE FROM message_events WHERE id = 1",
        "DELETE FROM audit_leaves",
        "UPDATE audit_checkpoints SET root_hash = 'x'",
        "UPDATE debtor_secrets SET secret = NULL",
        "UPDATE payments SET amount = 0",
        "DELETE FROM payments",
    ):
        assert "permission denied" in await refused(app, statement)
    # The setting that lets retention erase is honoured for the owner's role only.
    await add_hold(app)
    assert "append-only" in await refused(
        app, "SET LOCAL dispatcher.erasing = 'on'",
        "UPDATE holds SET lifted_at = now() WHERE id = 1",
        "UPDATE holds SET lifted_at = NULL WHERE id = 1",
    )  # fmt: skip
    assert (await verify_log(app, KEY.public_key())).findings == []


async def test_a_hold_is_lifted_once_and_nothing_else_of_it_changes(
    engine: AsyncEngine, app: AsyncEngine
) -> None:
    await add_hold(app)
    async with app.begin() as conn:
        await conn.execute(text("UPDATE holds SET lifted_at = now(), lifted_by = 'api:c'"))
    assert "written once" in await refused(app, "UPDATE holds SET lifted_by = 'api:x'")
    assert "permission denied" in await refused(app, "UPDATE holds SET reason = 'x'")
    # Even the owner needs retention's setting to change a sealed row.
    assert "cannot be changed" in await refused(engine, "UPDATE holds SET reason = 'x'")


async def test_the_owners_retention_erases_through_the_trigger(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(install_triggers, protected_tables())
    await add_messages(engine, 1)
    await seal_pending(engine, KEY, now=START + timedelta(hours=1))
    async with engine.begin() as conn:
        rows = await erase_debtor(conn, "D-0", now=START + timedelta(days=2000))
    assert rows["message_events"] == 3 and rows["secrets_destroyed"] == 1
    assert (await verify_log(engine, KEY.public_key())).findings == []


async def test_the_migrations_leave_every_sealed_table_append_only(engine: AsyncEngine) -> None:
    """No `dispatcher audit protect` needed after an upgrade: each sealed table got its
    trigger, with its closing columns, from the migration that made or sealed it."""
    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_append_only'"))  # fmt: skip
        installed = {
            table: tuple(arg.decode() for arg in bytes(args).split(b"\0") if arg)
            for table, args in rows
        }
    assert installed == {table: tuple(closing) for table, closing in protected_tables().items()}
