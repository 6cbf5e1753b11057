"""A real subscriber: an aiohttp app on a port of its own that verifies each delivery's
signature with the Standard Webhooks reference library, then keeps it.

``down()`` closes the port (connections are refused); ``up()`` opens it again. ``answer``
sets the status it replies with (a 500 is a failure the deliverer retries).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["Received", "Subscriber"]


@dataclass(frozen=True)
class Received:
    webhook_id: str
    body: dict[str, Any]
    signature: str  # the webhook-signature header: one "v1,..." per secret in force


@dataclass
class Subscriber:
    secrets: list[str] = field(default_factory=list)  # any of them verifies
    answer: int = 204
    delay_s: float = 0.0  # how long it takes to answer, once it has kept the delivery
    received: list[Received] = field(default_factory=list)
    refused: int = 0  # deliveries whose signature did not verify
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> Subscriber:
        await self.up()
        return self

    async def up(self) -> None:
        """Listen (again) on the port: the first time, a free one."""
        app = web.Application()
        app.router.add_post("/hooks", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def down(self) -> None:
        """Stop listening and drop every open connection: requests are refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    close = down

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        headers = dict(request.headers)
        for secret in self.secrets:
            try:
                Webhook(secret).verify(raw, headers)
            except WebhookVerificationError:
                continue
            break
        else:
            self.refused += 1
            return web.Response(status=401)
        if 200 <= self.answer < 300:
            self.received.append(
                Received(headers["webhook-id"], json.loads(raw), headers["webhook-signature"])
            )
        await asyncio.sleep(self.delay_s)
        return web.Response(status=self.answer)

    def ids(self) -> list[str]:
        """Each event id once, in the order it first arrived."""
        return list(dict.fromkeys(r.webhook_id for r in self.received))
