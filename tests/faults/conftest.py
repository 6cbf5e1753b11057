"""The fault suite's private servers, started once per session and torn down at its end.

They are ours alone (free ports, a throw-away cluster), so the trials may restart, kill
and flush them. Where they cannot be made (no PostgreSQL binaries, running as root with
no ``postgres`` user), the suite skips with the reason — except in CI, where it fails.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FAULT_TRIAL, IN_CI
from tests.faults.dispatcher_processes import DispatcherProcesses
from tests.faults.harness import BASE_DATABASE, PrivateServers, World
from tests.faults.servers import PrivatePostgres, PrivateRedis, ServerUnavailable
from tests.faults.sigkill import start_sigkill_trial

SIGKILL_TEST = "test_worker_kills.py::test_workers_sigkilled_mid_batch_send_each_text_once"


@contextmanager
def private_servers_in(root: Path) -> Iterator[PrivateServers]:
    """PostgreSQL (with a migrated base database) and Redis under ``root``, then removed."""
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


@pytest.fixture(scope="session")
def private_servers() -> Iterator[PrivateServers]:
    """The servers most trials share, one trial at a time."""
    with private_servers_in(Path(tempfile.mkdtemp(prefix="dispatcher-faults-"))) as servers:
        yield servers


@pytest.fixture(scope="session")
def sigkill_world() -> Iterator[World]:
    """Trial 1 after its fault phase, still settling, on servers of its own."""
    root = Path(tempfile.mkdtemp(prefix="dispatcher-faults-sigkill-"))
    with private_servers_in(root) as servers:
        work_dir = root / "trial"
        work_dir.mkdir()
        world = start_sigkill_trial(servers, work_dir)
        try:
            yield world
        finally:
            world.stop()


@pytest.fixture(scope="session", autouse=True)
def sigkill_trial_in_the_background(request: pytest.FixtureRequest) -> None:
    """Trial 1 settles about two minutes after its last kill (arq's lock on the jobs a
    killed worker held): its fault phase runs before the first trial, its check last, and
    the other trials run in between, on other servers."""
    if any(f"{item.path.name}::{item.name}" == SIGKILL_TEST for item in request.session.items):
        request.getfixturevalue("sigkill_world")


@pytest.fixture
def summaries(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Each trial appends its one-line summary; they are printed at the end of the run
    (the "fault trials" section, tests/conftest.py), from a pytest-xdist worker too."""
    lines: list[str] = []
    yield lines
    request.node.user_properties.extend((FAULT_TRIAL, line) for line in lines)
