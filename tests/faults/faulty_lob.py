"""The project's fake Lob, with faults switched at run time, in a process of its own.

    python -m tests.faults.faulty_lob --api-key KEY --webhook-secret SECRET [--port 0]

Prints one JSON line, ``{"port": ...}``, once it listens; serves until SIGTERM / SIGINT.
``FaultyLob`` is a ``FakeLob`` (same routes, same answers, ``Idempotency-Key`` honoured:
a key seen before returns the letter it created, and creates nothing) whose creates can
fail as ``FaultyTwilio``'s do (``FaultPlan``: refuse, hold_before, create_then_error,
create_then_hold, create_then_drop). A request answered from an earlier one's key meets
no fault: it only reads what the first one created.

Each created letter's tracking event (``letter.mailed``, signed) is posted to the
webhook URL set through the control routes, ``delay_s`` after the create was answered
(or given up on), as Lob's events come after the create.

    POST /_faults/plan       {"rules": [plan, ...]}
    POST /_faults/webhooks   {"url": ..., "delay_s": ...}   (url "": none)
    GET  /_faults/records    every create request, as ``CreateRecord``s (channel "letter")
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
from collections.abc import Coroutine
from dataclasses import asdict
from typing import Any

import aiohttp
from aiohttp import web

from dispatcher.process.embedded_redis import stop_with_parent
from tests.fakes.fake_lob import FakeLob, _basic_user, _error, _read_form, _validate
from tests.faults.faulty_twilio import CreateRecord, FaultPlan

__all__ = ["CHANNEL", "REPLAYED", "FaultyLob"]

CHANNEL = "letter"
REPLAYED = "replayed"  # a create answered from an earlier one with the same key


class FaultyLob(FakeLob):
    def __init__(self, api_key: str, *, webhook_secret: str, port: int = 0) -> None:
        super().__init__(api_key, webhook_secret=webhook_secret)
        self.rules: list[FaultPlan] = []
        self.creates: list[CreateRecord] = []
        self.webhook_url = ""
        self.webhook_delay_s = 0.0
        self.webhook_failures = 0
        self._listen_port = port
        self._affected_total: list[int] = []
        self._affected: dict[tuple[int, str | None], int] = {}
        self._random = random.Random(20261201)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/v1/letters", self._faulty_create)
        app.router.add_get("/v1/letters/{letter_id}", self._fetch)
        app.router.add_post("/_faults/plan", self._set_plan)
        app.router.add_post("/_faults/webhooks", self._set_webhooks)
        app.router.add_get("/_faults/records", self._records)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._listen_port).start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    # -- faults ------------------------------------------------------------------------

    def _fault_for(self, our_id: str | None) -> FaultPlan | None:
        """The first rule of the plan that applies to this request, if any."""
        for index, rule in enumerate(self.rules):
            if rule.kind == "none" or rule.channel not in (None, CHANNEL):
                continue
            if rule.limit is not None and self._affected_total[index] >= rule.limit:
                continue
            affected = self._affected.setdefault((index, our_id), 0)
            if rule.per_message is not None and affected >= rule.per_message:
                continue
            if self._random.random() >= rule.rate:
                continue
            self._affected_total[index] += 1
            self._affected[(index, our_id)] = affected + 1
            return rule
        return None

    def _note(self, fields: dict[str, str], label: str, letter_id: str | None) -> None:
        our_id = fields.get("metadata[message_id]") or None
        to = fields.get("to[address_line1]", "")
        self.creates.append(CreateRecord(our_id, CHANNEL, time.time(), label, letter_id, to))

    # -- creates -----------------------------------------------------------------------

    async def _faulty_create(self, request: web.Request) -> web.StreamResponse:
        fields, file = await _read_form(request)
        key = request.headers.get("Idempotency-Key")
        if _basic_user(request.headers.get("Authorization", "")) != self.api_key:
            self._note(fields, "unauthorized", None)
            return _error(401, None, "Your API key is not valid.")
        replay = self._by_key.get(key) if key else None
        if replay is not None:  # the first answer again, and no second letter
            status, body = replay
            self._note(fields, f"{REPLAYED}:{body['id']}", None)
            return web.json_response(body, status=status)
        fault = self._fault_for(fields.get("metadata[message_id]"))
        if fault is not None and fault.kind in ("refuse", "hold_before"):
            return await self._refused(fields, fault)
        problem = _validate(fields, file)
        if problem is not None:
            self._note(fields, "invalid", None)
            return _error(422, "invalid", problem)
        assert file is not None
        letter = self._new_letter(fields, file, key)
        body = letter.resource()
        if key:
            self._by_key[key] = (200, body)
        self._note(fields, _label(fault), letter.id)
        try:
            return await self._after_create(request, fault, body)
        finally:  # answered, held past the client's patience, or dropped: the event follows
            self._spawn(self._tracking_event(letter.id))

    async def _refused(self, fields: dict[str, str], fault: FaultPlan) -> web.Response:
        self._note(fields, _label(fault), None)
        if fault.kind == "hold_before":
            await asyncio.sleep(fault.hold_s)
            return _error(504, "gateway_timeout", "Gateway Timeout")
        return _error(fault.status, None, None)

    async def _after_create(
        self, request: web.Request, fault: FaultPlan | None, body: dict[str, Any]
    ) -> web.StreamResponse:
        kind = fault.kind if fault is not None else "none"
        if kind == "create_then_error":
            assert fault is not None
            return _error(fault.status, None, None)
        if kind == "create_then_drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("dropped on purpose")
        if kind == "create_then_hold":
            assert fault is not None
            await asyncio.sleep(fault.hold_s)
        return web.json_response(body, status=200)

    # -- tracking events ---------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tracking_event(self, letter_id: str) -> None:
        if not self.webhook_url:
            return
        await asyncio.sleep(self.webhook_delay_s)
        try:
            status = await self.send_tracking_event(
                letter_id, "letter.mailed", url=self.webhook_url
            )
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        if status != 204:
            self.webhook_failures += 1

    # -- control -----------------------------------------------------------------------

    async def _set_plan(self, request: web.Request) -> web.Response:
        try:
            rules = [FaultPlan.from_json(raw) for raw in (await request.json())["rules"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text=f"rules: {exc}") from None
        self.rules, self._affected_total, self._affected = rules, [0] * len(rules), {}
        return web.json_response({"rules": [asdict(rule) for rule in rules]})

    async def _set_webhooks(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.webhook_url = str(body["url"])
        self.webhook_delay_s = float(body.get("delay_s", 0.0))
        return web.json_response({"url": self.webhook_url, "delay_s": self.webhook_delay_s})

    async def _records(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "creates": [asdict(c) for c in self.creates],
                "letters": len(self.letters),
                "webhooks": len(self.webhooks),
                "webhook_failures": self.webhook_failures,
            }
        )

    async def cleanup(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await super().cleanup()


def _label(fault: FaultPlan | None) -> str:
    if fault is None:
        return "none"
    if fault.kind in ("refuse", "create_then_error"):
        return f"{fault.kind}:{fault.status}"
    return fault.kind


async def serve(api_key: str, webhook_secret: str, port: int) -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    fake = FaultyLob(api_key, webhook_secret=webhook_secret, port=port)
    await fake.start()
    print(json.dumps({"port": int(fake.base_url.rsplit(":", 1)[1])}), flush=True)
    try:
        await stopped.wait()
    finally:
        await fake.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stop_with_parent()
    asyncio.run(serve(args.api_key, args.webhook_secret, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
