"""Real services for tests: Redis and a database (SQLite and PostgreSQL).

Redis: ``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15), flushed before each test.
Where no Redis answers, an embedded one is started — except in CI (``CI=true``), where
a missing service fails the run instead of quietly testing less.

PostgreSQL: ``TEST_POSTGRES_URL`` (default postgres@127.0.0.1:5432/test). Each test
session creates its own database, migrates it once and truncates it between tests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.embedded import EmbeddedRedis

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TABLES = (
    "message_events", "messages", "holds", "debtors", "api_keys", "audit_reads", "pauses",
    "collectors", "template_approvals", "accounts", "inbound_messages",
    "audit_leaves", "audit_checkpoints",
)  # fmt: skip


def missing_service(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is not available, and CI must run every test", pytrace=False)
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail(f"no Redis at {REDIS_URL}; CI must test against a real server")
        with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as embedded:
            yield embedded.url
        return
    yield REDIS_URL


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    redis.Redis.from_url(redis_server_url).flushdb()
    return redis_server_url


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    name = f"dispatcher_test_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(POSTGRES_URL)

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError) as exc:
        missing_service(f"PostgreSQL at {POSTGRES_URL} ({exc})")
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'contact-log.sqlite'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty contact log."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade(engine)
    else:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()
