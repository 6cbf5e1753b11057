"""A tiny status-callback endpoint on 127.0.0.1, port 0, that checks Twilio signatures.

It stands in for the dispatcher's webhook in channel tests: it answers 403 to a bad
signature, 400 to a form it cannot parse, 204 otherwise, and records each call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from channels.twilio import (
    SIGNATURE_HEADER,
    StatusUpdate,
    parse_status_callback,
    signature_is_valid,
)

__all__ = ["ReceivedCallback", "StatusCallbackReceiver"]


@dataclass(frozen=True)
class ReceivedCallback:
    url: str
    form: dict[str, str]
    signature_valid: bool
    update: StatusUpdate | None  # None when the signature or the form was rejected
    answered: int


class StatusCallbackReceiver:
    """Serve ``POST /twilio/status``; ``url`` is the StatusCallback to hand to Twilio."""

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        self.received: list[ReceivedCallback] = []
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/twilio/status"

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/twilio/status", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[ReceivedCallback]:
        """Wait until ``count`` callbacks have arrived; return them all."""
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)

    async def _handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        url = str(request.url)
        valid = signature_is_valid(
            self.auth_token, url, form, request.headers.get(SIGNATURE_HEADER)
        )
        update: StatusUpdate | None = None
        status = 403
        if valid:
            try:
                update, status = parse_status_callback(form), 204
            except ValueError:
                status = 400
        async with self._arrived:
            self.received.append(ReceivedCallback(url, form, valid, update, status))
            self._arrived.notify_all()
        return web.Response(status=status)
