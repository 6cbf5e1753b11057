"""Real services for tests: Redis and a database (SQLite and PostgreSQL).

Redis: the server ``TEST_REDIS_URL`` names (default 127.0.0.1:6379); each test session
takes an empty database there (from 15 down), marks it as its own, flushes only it before
each test and empties it at the end — never another database of the shared server.
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
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.process.embedded_redis import EmbeddedRedis

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TABLES = (
    "message_events", "messages", "holds", "debtors", "api_keys", "audit_reads", "pauses",
    "collectors", "template_approvals", "accounts", "inbound_messages",
    "audit_leaves", "audit_checkpoints", "debtor_secrets", "retention_policies",
    "retention_closures", "retention_runs", "retention_progress", "retention_certificates",
    "outbound_events", "event_sources", "webhook_attempts", "webhook_deliveries",
    "webhook_subscriptions",
    "workspace_sessions", "people", "debtor_assignments", "template_texts",
    "payments", "portfolio_accounts", "stats_daily", "stats_contacts", "stats_promises",
    "stats_cursor", "risk_flag_events", "preference_changes",
)  # fmt: skip


def missing_service(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is not available, and CI must run every test", pytrace=False)
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis database of this test session's own on the server ``TEST_REDIS_URL`` names."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail(f"no Redis at {REDIS_URL}; CI must test against a real server")
        with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as embedded:
            yield embedded.url
        return
    url, claim = _claim_empty_database(REDIS_URL)
    yield url
    _release(url, claim)


# The server is shared with other work: a session takes a database no one uses (empty),
# marks it with a key named for the run, flushes only that one, and empties it at the end.
RUN_KEY = f"dispatcher-test-run:{uuid.uuid4().hex}"


def _claim_empty_database(server_url: str) -> tuple[str, str]:
    server = urlsplit(server_url)
    for db in range(15, 0, -1):
        url = f"{server.scheme}://{server.netloc}/{db}"
        client = redis.Redis.from_url(url)
        # SET NX on an empty database: two sessions racing for one db cannot both win.
        if client.dbsize() == 0 and client.set("dispatcher-test-claim", RUN_KEY, nx=True):
            if client.dbsize() == 1:
                return url, RUN_KEY
            client.delete("dispatcher-test-claim")
    pytest.fail(f"no empty Redis database on {server_url} for this test run")


def _release(url: str, claim: str) -> None:
    client = redis.Redis.from_url(url)
    if client.get("dispatcher-test-claim") in {claim.encode(), None}:
        client.flushdb()


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """This session's own Redis database, emptied for each test (its claim kept)."""
    client = redis.Redis.from_url(redis_server_url)
    claim = client.get("dispatcher-test-claim")
    if claim not in {RUN_KEY.encode(), None}:
        pytest.fail(f"another run took {redis_server_url}; not flushing what is not ours")
    client.flushdb()
    if claim is not None:
        client.set("dispatcher-test-claim", RUN_KEY)
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
