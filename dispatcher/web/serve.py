"""`dispatcher serve`: the HTTP app in one process, or in several sharing one port.

With ``HTTP_PROCESSES`` above 1 the server forks that many processes that each accept on
the same port (``SO_REUSEPORT``: the kernel spreads connections over them). They share
the contact log and Redis like any number of servers would; one process's CPU is what
a batch's validation needs, so this is how one machine takes more batches at once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import sys
from collections.abc import Callable

from aiohttp import web

from dispatcher.process.deps import Deps
from dispatcher.process.embedded_redis import stop_with_parent
from dispatcher.process.redis_pool import COMMAND_TIMEOUT_S, lazy_redis, redis_reachable
from dispatcher.process.runtime import redis_url_for
from dispatcher.settings import Settings
from dispatcher.web.app import create_app
from dispatcher.web.drain import InFlight
from dispatcher.web.limits import body_deadline

__all__ = ["serve"]

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    """Serve until stopped (Ctrl-C, SIGTERM); children stop with the parent.

    A stop is graceful: every process stops accepting, answers the requests it has in
    flight (``HTTP_STOP_GRACE_S`` at most), then exits.
    """
    processes = max(1, settings.http_processes)
    with redis_url_for(settings) as redis_url:  # one embedded Redis for every process
        spawn = multiprocessing.get_context("spawn")
        children = [
            spawn.Process(target=_child, args=(settings, redis_url), daemon=True)
            for _ in range(processes - 1)
        ]
        for child in children:
            child.start()

        def stop_children() -> None:  # at once, so that they wind down alongside this one
            for child in children:
                if child.is_alive():
                    child.terminate()

        try:
            asyncio.run(_run(settings, redis_url, reuse_port=processes > 1, on_stop=stop_children))
        finally:
            stop_children()
            for child in children:
                child.join(timeout=settings.http_stop_grace_s + 5)
                if child.is_alive():
                    child.kill()


def _child(settings: Settings, redis_url: str) -> None:
    stop_with_parent()
    # Until its loop runs (and takes SIGTERM over), a child stopped early just exits.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        asyncio.run(_run(settings, redis_url, reuse_port=True, announce=False))
    except KeyboardInterrupt:
        pass


async def _run(
    settings: Settings,
    redis_url: str,
    *,
    reuse_port: bool,
    announce: bool = True,
    on_stop: Callable[[], None] | None = None,
) -> None:
    # Redis down: serve all the same (/healthz says degraded); each enqueue tries again.
    redis = lazy_redis(redis_url, command_timeout_s=COMMAND_TIMEOUT_S)
    await redis_reachable(redis)
    deps = Deps.build(settings, redis=redis, channels={})
    app = create_app(deps)
    in_flight = InFlight()
    app.middlewares.insert(0, in_flight.middleware())
    app.middlewares.append(body_deadline(settings.http_read_timeout_s))
    runner = web.AppRunner(
        app,
        keepalive_timeout=settings.http_idle_timeout_s,  # idle, or headers not all there yet
        shutdown_timeout=1.0,  # for requests still running once in_flight's wait is over
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port, reuse_port=reuse_port)
    await site.start()
    if announce:
        count = max(1, settings.http_processes)
        print(f"listening on http://{settings.http_host}:{settings.http_port} "
              f"({count} process{'es' if count > 1 else ''})", flush=True)  # fmt: skip
    try:
        await _until_signalled()
        if on_stop is not None:
            on_stop()
        await site.stop()  # accept no more connections
        log.info("stopping: answering %d request(s) in flight, then exiting", in_flight.count)
        left = await in_flight.drain(settings.http_stop_grace_s)
        if left:
            log.warning("stopping: %d request(s) still running after the grace", left)
    finally:
        await runner.cleanup()  # closes idle connections, cancels what still runs
        await deps.aclose()
        await redis.aclose()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
