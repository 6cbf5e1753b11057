"""The test's side of the faulty fake Lob process: start it, switch its faults, read its records."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from dispatcher.process.embedded_redis import stop_with_parent
from tests.faults.faulty_twilio import CreateRecord
from tests.faults.provider import REPO_ROOT, ProviderProcess, ProviderRecords

__all__ = ["LobProcess"]


class LobProcess(ProviderProcess):
    """``python -m tests.faults.faulty_lob``, stopped with the test (or its parent)."""

    def __init__(self, log_file: Path, *, api_key: str, webhook_secret: str) -> None:
        self.log_file = log_file
        self._log = log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.faulty_lob", "--api-key", api_key,
             "--webhook-secret", webhook_secret],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, preexec_fn=stop_with_parent,
        )  # fmt: skip
        self.port = self._read_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._session: aiohttp.ClientSession | None = None

    async def webhooks(self, url: str, *, delay_s: float) -> None:
        """Post each created letter's tracking event to ``url``, ``delay_s`` after its answer."""
        await self._post("/_faults/webhooks", {"url": url, "delay_s": delay_s})

    async def records(self) -> ProviderRecords:
        async with self._client().get(f"{self.base_url}/_faults/records") as response:
            response.raise_for_status()
            raw = await response.json()
        return ProviderRecords(
            creates=[CreateRecord(**c) for c in raw["creates"]], lookups=0, messages={}, calls={}
        )

    async def webhook_counts(self) -> tuple[int, int]:
        """Tracking events posted, and how many of them our server did not take (not 204)."""
        async with self._client().get(f"{self.base_url}/_faults/records") as response:
            response.raise_for_status()
            raw = await response.json()
        return int(raw["webhooks"]), int(raw["webhook_failures"])
