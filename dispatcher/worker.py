"""The arq worker: one job function (the pipeline) and the sweep, on one typed ``Deps``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from arq import Worker, cron, func
from arq.connections import RedisSettings

from channels.base import Channel
from compliance import Rule
from dispatcher.clock import Clock
from dispatcher.deps import Deps
from dispatcher.pipeline import process_message
from dispatcher.queue import PROCESS_MESSAGE
from dispatcher.settings import Settings
from dispatcher.sweeper import sweep

__all__ = ["DispatcherWorker", "create_worker"]

JOB_TIMEOUT_S = 120


class DispatcherWorker(Worker):
    """arq's worker, plus a way to run it until nothing is due (the demo, tests, --burst).

    arq's own burst mode waits for every queued job, including ones deferred to
    tomorrow; ``run_until_idle`` stops once no job is due and none is running.
    """

    polls = 0

    async def _poll_iteration(self) -> None:
        await super()._poll_iteration()
        self.polls += 1

    async def run_until_idle(self, *, horizon_s: float = 0.0, check_every_s: float = 0.01) -> None:
        """Run until no job is due within ``horizon_s`` and none is running."""
        main = asyncio.create_task(self.main())
        try:
            idle_since = None
            while not main.done():
                await asyncio.sleep(check_every_s)
                if "deps" not in self.ctx:
                    continue  # still starting
                horizon_ms = (time.time() + horizon_s) * 1000
                due = await self.pool.zcount(self.queue_name, "-inf", horizon_ms)
                busy = any(not task.done() for task in self.tasks.values())
                if due or busy:
                    idle_since = None
                elif idle_since is None:
                    idle_since = self.polls
                elif self.polls >= idle_since + 2:  # two full polls saw nothing to do
                    break
        finally:
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await main
            await self.close()


def create_worker(
    settings: Settings,
    *,
    redis_url: str,
    clock: Clock | None = None,
    channels: dict[str, Channel] | None = None,
    rules: list[Rule] | None = None,
    **worker_options: Any,
) -> DispatcherWorker:
    """An arq worker; ``clock``, ``channels`` and ``rules`` are seams for tests."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["deps"] = Deps.build(
            settings, redis=ctx["redis"], clock=clock, channels=channels, rules=rules
        )

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if "deps" in ctx:
            await ctx["deps"].aclose()

    every = max(1, min(60, round(settings.sweep_interval_s)))
    options: dict[str, Any] = {
        "max_jobs": settings.worker_max_jobs,
        "keep_result": 0,  # the contact log is the record; job ids must be reusable at once
        # Send retries are counted by the pipeline; the margin covers crashes and restarts.
        "max_tries": settings.send_max_tries + 3,
        "job_timeout": JOB_TIMEOUT_S,
        **worker_options,
    }
    return DispatcherWorker(
        functions=[func(process_message, name=PROCESS_MESSAGE)],
        cron_jobs=[cron(sweep, second=set(range(0, 60, every)), run_at_startup=True)],
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        **options,
    )
