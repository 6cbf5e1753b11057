"""The arq worker: one job function (the pipeline) and the sweep, on one typed ``Deps``."""

from __future__ import annotations

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

__all__ = ["create_worker"]

JOB_TIMEOUT_S = 120


def create_worker(
    settings: Settings,
    *,
    redis_url: str,
    clock: Clock | None = None,
    channels: dict[str, Channel] | None = None,
    rules: list[Rule] | None = None,
    **worker_options: Any,
) -> Worker:
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
    return Worker(
        functions=[func(process_message, name=PROCESS_MESSAGE)],  # type: ignore[arg-type]
        cron_jobs=[cron(sweep, second=set(range(0, 60, every)), run_at_startup=True)],  # type: ignore[arg-type]
        redis_settings=RedisSettings.from_dsn(redis_url),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        **options,
    )
