"""The fault suite's private servers, started once per session and torn down at its end.

They are ours alone (free ports, a throw-away cluster), so the trials may restart, kill
and flush them. Where they cannot be made (no PostgreSQL binaries, running as root with
no ``postgres`` user), the suite skips with the reason — except in CI, where it fails.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.faults.dispatcher_processes import DispatcherProcesses
from tests.faults.harness import BASE_DATABASE, PrivateServers
from tests.faults.servers import PrivatePostgres, PrivateRedis, ServerUnavailable

SUMMARIES: list[str] = []


@pytest.fixture(scope="session")
def private_servers() -> Iterator[PrivateServers]:
    root = Path(tempfile.mkdtemp(prefix="dispatcher-faults-"))
    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None
    try:
        try:
            postgres = PrivatePostgres.create(root)
            redis = PrivateRedis.start_in(root)
        except (ServerUnavailable, OSError) as exc:
            if IN_CI:
                pytest.fail(f"the fault suite's private servers: {exc}", pytrace=False)
            pytest.skip(f"the fault suite needs private servers: {exc}")
        postgres.psql(f"CREATE DATABASE {BASE_DATABASE}")
        DispatcherProcesses({"DATABASE_URL": postgres.url(BASE_DATABASE)}, root).migrate()
        yield PrivateServers(postgres, redis)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def summaries() -> list[str]:
    """Each trial appends its one-line summary; they are printed at the end of the run."""
    return SUMMARIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARIES:
        terminalreporter.section("fault trials")
        for line in SUMMARIES:
            terminalreporter.write_line(line)
