"""Requests in flight, so that a stopping server answers them before it closes.

aiohttp's own graceful shutdown (``AppRunner.cleanup``) first marks every connection
closing, and a closing connection drops whatever it receives — including the rest of
a body still arriving. A batch being uploaded when the server is told to stop would never
be answered. So ``serve`` first stops accepting, waits here for the requests in flight
(bounded), and only then lets aiohttp close what is left.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["InFlight"]


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self.stopping = False
        self._none = asyncio.Event()
        self._none.set()

    def middleware(self) -> Middleware:
        @web.middleware
        async def counted(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.count += 1
            self._none.clear()
            try:
                response = await handler(request)
                if self.stopping:
                    response.force_close()  # no next request on this connection
                return response
            finally:
                self.count -= 1
                if not self.count:
                    self._none.set()

        return counted

    async def drain(self, timeout_s: float) -> int:
        """Wait until no request is in flight, ``timeout_s`` at most; how many still are."""
        self.stopping = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._none.wait(), timeout_s)
        return self.count
