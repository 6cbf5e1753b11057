"""The arq worker: one job function (the pipeline) and the sweep, on one typed ``Deps``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

from arq import Worker, cron, func
from arq.constants import default_queue_name

from channels.base import Channel
from compliance import Rule
from dispatcher.clock import Clock
from dispatcher.process import collector
from dispatcher.process.deps import Deps
from dispatcher.process.job_claim import ClaimedJob, JobClaim
from dispatcher.process.job_finish import FinishBatches, JobEnd
from dispatcher.process.job_run import run_claimed
from dispatcher.process.redis_outage import REDIS_DOWN, RedisOutage
from dispatcher.process.redis_pool import lazy_redis
from dispatcher.process.startup_log import log_worker_start
from dispatcher.proof.seal import seal_cron
from dispatcher.sending.pipeline import process_message
from dispatcher.sending.queue import PROCESS_MESSAGE
from dispatcher.settings import Settings
from dispatcher.stats.fold import fold_cron
from dispatcher.sweep import sweep

__all__ = ["DispatcherWorker", "create_worker"]

log = logging.getLogger(__name__)

# A job is one contact attempt: a provider call bounded by its own timeout (10-30 s) and a
# few statements. arq keeps a killed worker's jobs locked this long + 10 s before another
# worker may run them, so it is kept short: after a SIGKILL, a message waits 70 s at most.
JOB_TIMEOUT_S = 60
# Ids a claim may look past the free slots' number: a poll's first ids are mostly jobs
# already running, here or elsewhere, each of which the claim skips.
CLAIM_LOOKAHEAD = 64


class DispatcherWorker(Worker):
    """arq's worker, made to stay up and to stop gracefully.

    - **Redis outages** (a restart, a network cut) are ridden out: the poll loop, a job's
      start and finish, and start-up wait with backoff (``RedisOutage``) instead of
      ending the worker. The contact log, not Redis, says what each message still needs;
      the sweep re-enqueues whatever a flushed Redis forgot.
    - **SIGTERM / SIGINT**: no new job is taken; running jobs get ``job_completion_wait``
      seconds to finish and record their outcome, then the rest are cancelled (to run
      again). A second signal stops at once.
    - **Jobs start together in one Redis round trip** (``JobClaim``: arq's checks, lock and
      first read as one script, for as many jobs as there are free slots) instead of arq's
      five per job, and run as arq runs them (``job_run``); **jobs ending together finish
      in one** ``MULTI/EXEC`` (``job_finish``) instead of one each.
    - ``run_until_idle``: arq's own burst mode waits for every queued job, including ones
      deferred to tomorrow; this stops once no job is due and none is running.
    """

    polls = 0  # poll iterations that reached Redis

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_outage = RedisOutage()
        self._idle_stop = False
        self._claim: JobClaim | None = None
        self._finishes: FinishBatches | None = None

    async def main(self) -> None:
        await self._wait_for_redis()
        await super().main()

    async def run_until_stopped(self) -> None:
        """Run until a signal stops the worker (or start-up fails), then close it."""
        self.main_task = asyncio.create_task(self.main())
        try:
            await asyncio.wait({self.main_task})
            if not self.main_task.cancelled() and not isinstance(
                self.main_task.exception(), _StopPolling
            ):
                self.main_task.result()  # a start-up failure is raised here
        finally:
            await self.close()

    async def _wait_for_redis(self) -> None:
        while True:
            try:
                await self.pool.ping()
            except REDIS_DOWN as exc:
                await self.redis_outage.lost(exc)
            else:
                self.redis_outage.over()
                return

    # -- riding out Redis outages ------------------------------------------------------

    async def _poll_iteration(self) -> None:
        if self._idle_stop:
            raise _StopPolling
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            await self.redis_outage.lost(exc)
        else:
            self.redis_outage.over()
            self.polls += 1

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        # A full worker waits here for a free slot and goes on with the ids it read: arq
        # returns instead, and every slot freed meanwhile idles until the next poll (0.5 s),
        # which capped a worker at max_jobs per poll (100 jobs/s by default).
        waiting = [job_id.decode() for job_id in job_ids]
        while waiting:
            await self._free_slot()
            if not self.allow_pick_jobs:  # stopping meanwhile: take no more
                return
            free = min(self.max_jobs - self.job_counter, len(waiting))
            looked = await self._start(waiting[: free + CLAIM_LOOKAHEAD], free)
            waiting = waiting[looked:]

    async def _free_slot(self) -> None:
        while self.job_counter >= self.max_jobs:
            running = [task for task in self.tasks.values() if not task.done()]
            if running:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            else:  # ended, their slots not yet given back (done callbacks are due)
                await asyncio.sleep(0)

    async def _start(self, job_ids: list[str], free: int) -> int:
        """arq's start of jobs, as many at once as there are ``free`` slots (``JobClaim``);
        how many of ``job_ids`` were looked at."""
        for _ in range(free):  # each slot's semaphore, as arq takes it (free: no wait)
            await self.sem.acquire()
        self.job_counter += free
        try:
            looked, claimed = await self._job_claim().take(job_ids, free)
        except BaseException:
            # Not started: without this a few outages would leave the worker picking nothing.
            for _ in range(free):
                self._release_sem_dec_counter_on_complete()
            raise
        for _ in range(free - len(claimed)):
            self._release_sem_dec_counter_on_complete()
        for job in claimed:
            task = self.loop.create_task(self._run_claimed(job))
            task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
            self.tasks[job.job_id] = task
        return looked

    def _job_claim(self) -> JobClaim:
        if self._claim is None:
            lock_ms = int(self.in_progress_timeout_s * 1000)
            self._claim = JobClaim(self.pool, self.queue_name, lock_ms)
        return self._claim

    async def _run_claimed(self, job: ClaimedJob) -> None:
        try:
            await run_claimed(self, job)
        except REDIS_DOWN as exc:
            # Redis failed as the job started or finished. What the job did is in the
            # contact log; if the job is still queued it runs again once its lock expires
            # and finds nothing left to do.
            log.warning(
                "job %s: Redis failed around it (%s: %s); it runs again if still queued",
                job.job_id, type(exc).__name__, exc,
            )  # fmt: skip

    async def finish_job(
        self,
        job_id: str,
        finish: bool,
        result_data: bytes | None,
        result_timeout_s: float | None,
        keep_result_forever: bool,
        incr_score: int | None,
        keep_in_progress: float | None,
    ) -> None:
        if self._finishes is None:
            self._finishes = FinishBatches(self.pool, self.queue_name)
        await self._finishes.finish(
            JobEnd(job_id, finish, result_data, result_timeout_s, keep_result_forever,
                   incr_score, keep_in_progress)
        )  # fmt: skip

    async def close(self) -> None:
        """arq's ``close``, but one that still runs ``on_shutdown`` with Redis gone."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        with contextlib.suppress(*REDIS_DOWN):
            await self.pool.delete(self.health_check_key)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        await self.pool.aclose(close_connection_pool=True)
        self._pool = None

    # -- stopping gracefully -----------------------------------------------------------

    def handle_sig_wait_for_completion(self, signum: signal.Signals) -> None:
        if not self.allow_pick_jobs:
            log.warning("second %s: stopping now, running jobs are cancelled", signum.name)
            self.handle_sig(signum)
            return
        running = sum(not task.done() for task in self.tasks.values())
        log.info(
            "%s: taking no new jobs; waiting up to %s s for %d running",
            signal.Signals(signum).name, self._job_completion_wait, running,
        )  # fmt: skip
        super().handle_sig_wait_for_completion(signum)

    def handle_sig(self, signum: signal.Signals) -> None:
        self._idle_stop = True  # should the cancel of main be lost mid-step (stop_polling)
        super().handle_sig(signum)

    async def _wait_for_tasks_to_complete(self, signum: signal.Signals) -> None:
        await super()._wait_for_tasks_to_complete(signum)  # ends by cancelling main
        self._idle_stop = True  # should that cancel be lost mid-step (stop_polling)

    async def _sleep_until_tasks_complete(self) -> None:
        # arq waits for self.tasks to empty, which only its poll loop does (not while
        # Redis is down); what matters is that the jobs are done.
        while running := [task for task in self.tasks.values() if not task.done()]:
            await asyncio.wait(running)

    # -- running until idle ------------------------------------------------------------

    async def run_until_idle(self, *, horizon_s: float = 0.0, check_every_s: float = 0.01) -> None:
        """Run until no job is due within ``horizon_s`` and none is running."""
        self.main_task = main = asyncio.create_task(self.main())
        try:
            idle_since = None
            while not main.done():
                await asyncio.sleep(check_every_s)
                if "deps" not in self.ctx:
                    continue  # still starting
                if await self._busy(horizon_s):
                    idle_since = None
                elif idle_since is None:
                    idle_since = self.polls
                elif self.polls >= idle_since + 2:  # two full polls saw nothing to do
                    break
            if main.done() and not main.cancelled():
                main.result()  # a start-up failure is raised here
        finally:
            await self.stop_polling(main)
            await self.close()

    async def stop_polling(self, main: asyncio.Task[None], *, timeout_s: float = 5.0) -> None:
        """End ``main`` (this worker's ``main()`` task) at its poll loop's next turn.

        Cancelling it from outside can land while a Redis call is mid-step and be lost
        (redis-py), leaving the worker polling for ever; the loop ends itself instead."""
        self._idle_stop = True
        await asyncio.wait({main}, timeout=self.poll_delay_s + timeout_s)
        main.cancel()
        with contextlib.suppress(asyncio.CancelledError, _StopPolling):
            await main

    async def _busy(self, horizon_s: float) -> bool:
        """A job is running or due within ``horizon_s`` (or Redis cannot say)."""
        if any(not task.done() for task in self.tasks.values()):
            return True
        horizon_ms = (time.time() + horizon_s) * 1000
        try:
            return bool(await self.pool.zcount(self.queue_name, "-inf", horizon_ms))
        except REDIS_DOWN:
            return True


class _StopPolling(Exception):
    """Ends the poll loop of a worker run until idle."""


def create_worker(
    settings: Settings,
    *,
    redis_url: str,
    clock: Clock | None = None,
    channels: dict[str, Channel] | None = None,
    rules: list[Rule] | None = None,
    own_process: bool = False,
    **worker_options: Any,
) -> DispatcherWorker:
    """An arq worker; ``clock``, ``channels`` and ``rules`` are seams for tests.
    ``own_process``: the worker is its process's only tenant (``dispatcher worker``), so the
    garbage collector is set for it once started (``collector.settle``)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["deps"] = Deps.build(
            settings, redis=ctx["redis"], clock=clock, channels=channels, rules=rules
        )
        queue = options.get("queue_name", default_queue_name)
        log_worker_start(settings, redis_url=redis_url, queue=queue, channels=ctx["deps"].channels)
        if own_process:
            collector.settle()

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
        # On SIGTERM, running jobs may finish (and record their outcomes) for this long.
        "job_completion_wait": settings.worker_stop_grace_s,
        **worker_options,
    }
    return DispatcherWorker(
        functions=[func(process_message, name=PROCESS_MESSAGE)],
        cron_jobs=[
            cron(sweep, second=set(range(0, 60, every)), run_at_startup=True),
            cron(seal_cron, second=set(range(5, 60, 10))),  # settled events into checkpoints
            cron(fold_cron, second=set(range(7, 60, 15))),  # settled events into statistics
        ],
        # Connects on first use, with bounded timeouts: a worker waits out a Redis outage.
        redis_pool=lazy_redis(redis_url),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        **options,
    )
