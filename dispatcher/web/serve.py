"""`dispatcher serve`: the HTTP app in one process, or in several sharing one port.

With ``HTTP_PROCESSES`` above 1 the server forks that many processes that each accept on
the same port (``SO_REUSEPORT``: the kernel spreads connections over them). They share
the contact log and Redis like any number of servers would; one process's CPU is what
a batch's validation needs, so this is how one machine takes more batches at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import sys

from aiohttp import web

from dispatcher.deps import Deps
from dispatcher.embedded import stop_with_parent
from dispatcher.redis_pool import lazy_redis, redis_reachable
from dispatcher.runtime import redis_url_for
from dispatcher.settings import Settings
from dispatcher.web.app import create_app

__all__ = ["serve"]


def serve(settings: Settings) -> None:
    """Serve until stopped (Ctrl-C, SIGTERM); children stop with the parent."""
    processes = max(1, settings.http_processes)
    with redis_url_for(settings) as redis_url:  # one embedded Redis for every process
        spawn = multiprocessing.get_context("spawn")
        children = [
            spawn.Process(target=_child, args=(settings, redis_url), daemon=True)
            for _ in range(processes - 1)
        ]
        for child in children:
            child.start()
        try:
            asyncio.run(_run(settings, redis_url, reuse_port=processes > 1))
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.join(timeout=10)


def _child(settings: Settings, redis_url: str) -> None:
    stop_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        asyncio.run(_run(settings, redis_url, reuse_port=True, announce=False))
    except KeyboardInterrupt:
        pass


async def _run(
    settings: Settings, redis_url: str, *, reuse_port: bool, announce: bool = True
) -> None:
    redis = lazy_redis(redis_url)  # Redis down: serve all the same (/healthz says degraded)
    await redis_reachable(redis)
    deps = Deps.build(settings, redis=redis, channels={})
    runner = web.AppRunner(create_app(deps))
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port, reuse_port=reuse_port)
    await site.start()
    if announce:
        count = max(1, settings.http_processes)
        print(f"listening on http://{settings.http_host}:{settings.http_port} "
              f"({count} process{'es' if count > 1 else ''})", flush=True)  # fmt: skip
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await deps.aclose()
        await redis.aclose()
