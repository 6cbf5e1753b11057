"""The test's side of the fake provider process: start it, switch its faults, read its records."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from dispatcher.process.embedded_redis import stop_with_parent
from tests.faults.faulty_twilio import CreateRecord, FaultPlan

__all__ = ["ProviderProcess", "ProviderRecords"]

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ProviderRecords:
    """What the fake provider received and created, as of one moment."""

    creates: list[CreateRecord]
    lookups: int
    messages: dict[str, dict[str, Any]]  # sid -> to, status, body
    calls: dict[str, dict[str, Any]]  # sid -> to, status, parent

    def requests_by_message(self) -> dict[str, list[CreateRecord]]:
        """Every create request, by the message id of ours it carried."""
        found: dict[str, list[CreateRecord]] = defaultdict(list)
        for create in self.creates:
            if create.our_id is not None:
                found[create.our_id].append(create)
        return found

    def created_by_message(self) -> dict[str, list[str]]:
        """The sids of what the provider created, by the message id of ours it carried."""
        found: dict[str, list[str]] = defaultdict(list)
        for create in self.creates:
            if create.our_id is not None and create.sid is not None:
                found[create.our_id].append(create.sid)
        return found

    def owner_of(self) -> dict[str, str]:
        """The message id of ours each created sid was created for."""
        return {c.sid: c.our_id for c in self.creates if c.sid and c.our_id}


class ProviderProcess:
    """``python -m tests.faults.provider_process``, stopped with the test (or its parent)."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self._log = log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.provider_process"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, preexec_fn=stop_with_parent,
        )  # fmt: skip
        self.port = self._read_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._session: aiohttp.ClientSession | None = None

    def _read_port(self) -> int:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT_S)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise RuntimeError(f"the fake provider did not start; see {self.log_file}")
        return int(json.loads(line)["port"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process (its control session, if any, belongs to a test's loop)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    async def close_session(self) -> None:
        """Close the control session of this event loop (a later one opens its own)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- control -----------------------------------------------------------------------

    async def plan(self, *rules: FaultPlan) -> None:
        """Each create from now on meets the first rule that applies; none: no faults."""
        await self._post("/_faults/plan", {"rules": [asdict(rule) for rule in rules]})

    async def clock(self, offset_s: float) -> None:
        await self._post("/_faults/clock", {"offset_s": offset_s})

    async def callbacks(self, *, enabled: bool, delay_s: float = 0.0) -> None:
        await self._post("/_faults/callbacks", {"enabled": enabled, "delay_s": delay_s})

    async def replay(self, statuses: list[str], *, shuffle: bool = False) -> dict[str, Any]:
        return await self._post("/_faults/replay", {"statuses": statuses, "shuffle": shuffle})

    async def records(self) -> ProviderRecords:
        async with self._client().get(f"{self.base_url}/_faults/records") as response:
            response.raise_for_status()
            raw = await response.json()
        return ProviderRecords(
            creates=[CreateRecord(**c) for c in raw["creates"]],
            lookups=int(raw["lookups"]),
            messages=raw["messages"],
            calls=raw["calls"],
        )

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self._client().post(f"{self.base_url}{path}", json=body) as response:
            response.raise_for_status()
            answer: dict[str, Any] = await response.json()
            return answer

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        return self._session
