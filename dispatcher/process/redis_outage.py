"""Riding out a Redis outage: which errors mean "Redis is gone", backoff, and the log lines.

A Redis restart or a network cut must not end a worker. Whoever meets one of
``REDIS_DOWN`` waits ``RedisOutage.lost()`` (exponential backoff, capped) and tries
again; the first loss is a warning, the recovery an info line with how long it lasted.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

__all__ = ["REDIS_DOWN", "RedisOutage"]

log = logging.getLogger("dispatcher.process.worker")

# BusyLoadingError (a restarted Redis still loading its data) is a ConnectionError too.
# redis-py raises WatchError, not ConnectionError, when the connection drops under a WATCH
# (arq's start_jobs watches each job's lock); a changed key never reaches here: arq
# catches that one around its EXEC.
REDIS_DOWN: tuple[type[Exception], ...] = (
    RedisConnectionError, RedisTimeoutError, WatchError, OSError,
)


class RedisOutage:
    """One outage at a time: when it began, and how long to wait before the next try."""

    def __init__(self, *, first_delay_s: float = 0.1, max_delay_s: float = 5.0) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.delay_s = first_delay_s
        self.since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    async def lost(self, exc: BaseException) -> None:
        """Note a failed call, then wait before the caller tries again."""
        if self.since is None:
            self.since = time.monotonic()
            log.warning(
                "Redis is unreachable (%s: %s); retrying every %.1f-%.0f s",
                type(exc).__name__, exc, self.first_delay_s, self.max_delay_s,
            )  # fmt: skip
        else:
            log.debug("Redis still unreachable: %s: %s", type(exc).__name__, exc)
        await asyncio.sleep(self.delay_s)
        self.delay_s = min(self.delay_s * 2, self.max_delay_s)

    def over(self) -> None:
        """Note a call that succeeded; logs the recovery if an outage was ongoing."""
        if self.since is None:
            return
        log.info("Redis is reachable again after %.1f s", time.monotonic() - self.since)
        self.since = None
        self.delay_s = self.first_delay_s
