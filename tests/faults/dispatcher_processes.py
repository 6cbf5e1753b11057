"""Real ``dispatcher`` processes (the CLI, as an operator runs it): workers and the server.

Each is a subprocess of the test with its own log file, stopped with the test (or when
its parent dies). The environment is ours alone: every setting the dispatcher reads is
removed from the inherited environment, then set from the trial's values.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, fields
from pathlib import Path

from dispatcher.process.embedded_redis import stop_with_parent
from dispatcher.settings import Settings

__all__ = ["DispatcherProcesses", "Started"]

STOP_TIMEOUT_S = 15.0
SERVE_START_TIMEOUT_S = 30.0
_SETTINGS_ENV = frozenset(f.metadata["env"] for f in fields(Settings))


@dataclass
class Started:
    """One dispatcher process; ``killed`` once the test SIGKILLed it on purpose."""

    name: str
    process: subprocess.Popen[bytes]
    log_file: Path
    killed: bool = False

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class DispatcherProcesses:
    env: dict[str, str]  # the dispatcher's settings (DATABASE_URL, REDIS_URL, ...)
    work_dir: Path  # cwd (no stray .env) and log files
    started: list[Started] = field(default_factory=list)

    def _environment(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if k not in _SETTINGS_ENV}
        return {**inherited, **self.env, "PYTHONUNBUFFERED": "1"}

    def _spawn(self, name: str, *command: str) -> Started:
        log_file = self.work_dir / f"{name}.log"
        with log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "dispatcher", *command], cwd=self.work_dir,
                env=self._environment(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=stop_with_parent,
            )  # fmt: skip
        started = Started(name, process, log_file)
        self.started.append(started)
        return started

    def migrate(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "dispatcher", "migrate"], cwd=self.work_dir,
            env=self._environment(), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"dispatcher migrate failed: {done.stderr.strip()[-2000:]}")

    def worker(self) -> Started:
        count = sum(1 for s in self.started if s.name.startswith("worker"))
        return self._spawn(f"worker-{count + 1}", "worker")

    def serve(self) -> Started:
        started = self._spawn("serve", "serve")
        url = f"http://127.0.0.1:{self.env['HTTP_PORT']}/healthz"
        deadline = time.monotonic() + SERVE_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not started.alive():
                raise RuntimeError(f"dispatcher serve exited; see {started.log_file}")
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return started
            except urllib.error.HTTPError:
                return started  # it answers; degraded health is the trial's business
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dispatcher serve did not answer {url}; see {started.log_file}")

    def workers(self) -> list[Started]:
        return [s for s in self.started if s.name.startswith("worker")]

    def running_workers(self) -> list[Started]:
        return [s for s in self.workers() if s.alive()]

    def kill(self, started: Started) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would."""
        started.killed = True
        started.process.send_signal(signal.SIGKILL)
        started.process.wait(timeout=STOP_TIMEOUT_S)

    def died_unexpectedly(self) -> list[Started]:
        """Processes the test did not kill that are no longer running."""
        return [s for s in self.started if not s.killed and not s.alive()]

    def stop_all(self) -> None:
        for started in self.started:
            if started.alive():
                started.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for started in self.started:
            try:
                started.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, started: Started, lines: int = 15) -> str:
        text = started.log_file.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])
