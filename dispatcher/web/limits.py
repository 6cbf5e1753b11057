"""How long a client may take to send its request: each slow or stalled one holds a descriptor.

aiohttp closes a connection that has not delivered a complete request line and headers
within its ``keepalive_timeout`` (counted from the connect, or from the last answer), which
also bounds idle keep-alive; ``serve`` sets it to ``HTTP_IDLE_TIMEOUT_S``. It has no bound
on a body, so ``body_deadline`` adds one: a body that has not fully arrived
``HTTP_READ_TIMEOUT_S`` after its headers has its connection closed.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["body_deadline"]

log = logging.getLogger(__name__)


def body_deadline(timeout_s: float) -> Middleware:
    """Close the connection of a request whose body is not all there ``timeout_s`` after
    its headers (a stalled upload would otherwise hold its handler and socket for ever)."""

    @web.middleware
    async def bounded_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists or request.content.is_eof():
            return await handler(request)
        loop = asyncio.get_running_loop()
        timer = loop.call_later(timeout_s, _drop_if_unfinished, request, timeout_s)
        try:
            return await handler(request)
        finally:
            timer.cancel()

    return bounded_body


def _drop_if_unfinished(request: web.Request, timeout_s: float) -> None:
    if request.content.is_eof() or request.transport is None:
        return
    log.warning(
        "closed a connection from %s: the body of %s %s had not arrived %.0f s after its headers",
        request.remote, request.method, request.path, timeout_s,
    )  # fmt: skip
    request.transport.close()  # the handler's read fails; the descriptor is freed
