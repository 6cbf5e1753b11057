"""A Redis pool for the enqueue side (the Python client, the HTTP server) that never waits
for Redis to be up.

arq's ``create_pool`` pings Redis and raises when it does not answer, so a client or a
server started during a Redis outage would refuse to commit anything. This pool connects
on first use instead, and again on each use after a failure: a send while Redis is down
fails fast (the caller logs it; the messages are committed and the sweep enqueues them),
and the next one after Redis is back goes through. The times are bounded so that a Redis
that does not answer (rather than refusing) holds a send up for seconds, not for ever.
"""

from __future__ import annotations

import asyncio
import logging

from arq.connections import ArqRedis
from redis.exceptions import RedisError

__all__ = ["COMMAND_TIMEOUT_S", "CONNECT_TIMEOUT_S", "lazy_redis", "redis_reachable", "where"]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_S = 5.0  # a 10,000-job enqueue takes milliseconds


def lazy_redis(url: str, *, command_timeout_s: float | None = None) -> ArqRedis:
    """An arq Redis client for ``url`` that has not connected yet. Connecting waits
    ``CONNECT_TIMEOUT_S`` at most; a command waits ``command_timeout_s`` at most (None: as
    long as it takes, as arq's own pool does).

    Enqueueing callers (client, server) pass ``COMMAND_TIMEOUT_S``. A worker should not:
    redis-py reads under a timeout turned a worker's stop (a cancellation arriving mid-read)
    into a worker that went on polling (2 of 3 runs of tests/api/inbound/test_inbound.py and
    tests/dispatcher/sweep/test_sweep.py hung with it, none of 5 without).
    """
    redis: ArqRedis = ArqRedis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=command_timeout_s
    )
    return redis


async def redis_reachable(redis: ArqRedis) -> bool:
    """Ping, for ``CONNECT_TIMEOUT_S`` at most; False (with a warning naming the host, never
    the password) if it failed."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            await redis.ping()
    except (RedisError, OSError) as exc:  # asyncio's TimeoutError is an OSError
        log.warning(
            "Redis at %s is unreachable (%s: %s); messages are committed to the contact log "
            "and the sweep enqueues them once it is back",
            where(redis), type(exc).__name__, str(exc) or f"no answer in {CONNECT_TIMEOUT_S:g} s",
        )  # fmt: skip
        return False
    return True


def where(redis: ArqRedis) -> str:
    options = redis.connection_pool.connection_kwargs
    if "path" in options:
        return f"unix:{options['path']}"
    return f"{options.get('host', '?')}:{options.get('port', '?')}/{options.get('db', 0)}"
