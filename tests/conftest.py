"""Real services for tests: Redis and a database (SQLite and PostgreSQL).

Redis: the server ``TEST_REDIS_URL`` names (default 127.0.0.1:6379); each test session
takes an empty database there (from 15 down), marks it as its own, flushes only it before
each test and empties it at the end — never another database of the shared server.
Where no Redis answers, an embedded one is started — except in CI (``CI=true``), where
a missing service fails the run instead of quietly testing less.

PostgreSQL: ``TEST_POSTGRES_URL`` (default postgres@127.0.0.1:5432/test). Each test
session creates its own database, migrates it once and empties it between tests.
SQLite: each session migrates one file; each test gets a copy of it.

Under pytest-xdist (``-n 2``) each worker is a session of its own: its own Redis database,
its own PostgreSQL database (named for the worker), its own SQLite template. Tests that
share something costly or that must run in order stay on one worker (``SERIAL_GROUPS``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
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
# The contact log's tables (tests that empty it themselves; the fixtures read them off the
# migrated database, so a new table is emptied between tests without being listed here).
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


# -- pytest-xdist: what must run on one worker, in order --------------------------------

# Tests by path that share something costly or must run in order: each group runs on one
# worker, its tests in collection order. (Paths, not marks: pytest-xdist 3.8's own
# xdist_group marks are lost with pytest 9.2, and the controller sees only node ids.)
SERIAL_GROUPS = {
    # Private servers for the whole suite, and trial 1 (SIGKILLs) started before the first
    # drill and checked by the last one.
    "tests/faults/": "faults",
    # One Prism serving Twilio's description, started once.
    "tests/channels/test_twilio_contract.py": "prism",
    "tests/channels/test_twilio_voice_contract.py": "prism",
    # One browser per module (the ``chromium`` fixture).
    "tests/workspace/browser/": "chromium-",
    "tests/stats/test_page_in_chromium.py": "chromium-",
}


def serial_group(nodeid: str) -> str | None:
    """The group a test must run in (one worker, the group's tests in order), if any."""
    module = nodeid.split("::", 1)[0]
    for prefix, group in SERIAL_GROUPS.items():
        if module.startswith(prefix):
            return group + module if group.endswith("-") else group
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The drills last, so that they run alone, as they would in one process: they kill
    # and restart processes against deadlines, and must not share the cores with the rest
    # of the suite. (Under -n the groups are handed out in this order.)
    items.sort(key=lambda item: serial_group(item.nodeid) == "faults")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under -n: each test is handed out alone, or with its serial group, in order."""
    from xdist.scheduler import LoadScopeScheduling

    class SerialGroups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return serial_group(nodeid) or nodeid

    config.option.loadscopereorder = False  # collection order: the drills last
    return SerialGroups(config, log)


# -- the fault drills' one-line summaries, printed at the end (from xdist workers too) -----

FAULT_TRIAL = "fault trial"  # the user property each drill's summary travels in
FAULT_SUMMARIES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        FAULT_SUMMARIES.extend(str(v) for k, v in report.user_properties if k == FAULT_TRIAL)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FAULT_SUMMARIES:
        terminalreporter.section("fault trials")
        for line in FAULT_SUMMARIES:
            terminalreporter.write_line(line)


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


def emptying(tables: list[str], *, superuser: bool) -> str:
    """SQL that empties ``tables`` and restarts their ids: DELETE takes milliseconds where
    TRUNCATE takes about half a second (a new file for every table and index)."""
    if not superuser:
        return f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"
    return (
        "DO $$ BEGIN "
        # Triggers (the append-only guards) and foreign-key checks off: every row of
        # every table goes, so nothing is left that a check would protect.
        "SET LOCAL session_replication_role = replica; "
        + " ".join(f"DELETE FROM {table};" for table in tables)
        + " PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass,"
        " start_value, false) FROM pg_sequences WHERE last_value IS NOT NULL; END $$"
    )


SUPERUSER = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
CONTACT_LOG_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    " AND tablename <> 'alembic_version' ORDER BY tablename"
)
T = TypeVar("T")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under pytest-xdist


def run_aside(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end on a loop of its own, in a thread: session fixtures are
    first asked for from sync and from async tests and fixtures alike."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


@dataclass(frozen=True)
class PostgresDatabase:
    url: str
    empty_sql: str  # what the ``engine`` fixture runs before each test (``emptying``)


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[PostgresDatabase]:
    """A fresh, migrated PostgreSQL database for this test session (or xdist worker)."""
    name = f"dispatcher_test_{WORKER}_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(POSTGRES_URL)

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    try:
        run_aside(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError) as exc:
        missing_service(f"PostgreSQL at {POSTGRES_URL} ({exc})")
    # A throw-away database need not wait for its WAL to reach the disk at each commit.
    run_aside(admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    async def migrate() -> str:
        engine = create_engine(url)
        await upgrade(engine)
        async with engine.connect() as conn:
            superuser = (await conn.exec_driver_sql(SUPERUSER)).scalar_one()
            tables = list((await conn.exec_driver_sql(CONTACT_LOG_TABLES)).scalars())
        await engine.dispose()
        return emptying(tables, superuser=superuser)

    yield PostgresDatabase(url, run_aside(migrate()))
    run_aside(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database(postgres_db: PostgresDatabase) -> str:
    """The URL of this session's migrated PostgreSQL database."""
    return postgres_db.url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite contact log, made once: each test's ``engine`` starts from a copy
    (migrating costs about a second; copying, a millisecond)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "contact-log.sqlite"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection closed: the WAL is folded in

    run_aside(migrate())
    assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was left over"
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'contact-log.sqlite'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def engine(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty contact log."""
    if make_url(database_url).get_backend_name() == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        database = make_url(database_url).database
        assert database, database_url
        shutil.copyfile(template, database)
        engine = create_engine(database_url)
    else:
        postgres: PostgresDatabase = request.getfixturevalue("postgres_db")
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql(postgres.empty_sql)
    yield engine
    await engine.dispose()
