"""A claimed job run as arq's ``Worker.run_job`` runs it, from what the claim already read.

``JobClaim`` read the job and counted its try in the claim's round trip, so the common
case — a message job, due, under its tries, its result not kept — starts without another
one, and ends through the worker's batched ``finish_job``. It is arq's own path, step for
step: the same context, timeout, log lines, counters, and the same ends (done; cancelled,
to run again; failed; put back by ``Retry``), the same hooks. Anything else — a cron job,
a payload gone or unreadable, tries used up, kept results or aborts configured — gives the
try back and lets arq's ``run_job`` handle it whole, so those rare paths stay arq's.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arq.constants import retry_key_prefix
from arq.jobs import deserialize_job_raw
from arq.utils import args_to_string, ms_to_datetime, timestamp_ms, truncate
from arq.worker import Function, Retry, RetryJob

from dispatcher.process.job_claim import ClaimedJob

if TYPE_CHECKING:
    from dispatcher.process.worker import DispatcherWorker

__all__ = ["run_claimed"]

arq_log = logging.getLogger("arq.worker")  # the job lines read as arq's own


@dataclass(frozen=True)
class _Job:
    function: Function
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    enqueue_time_ms: int


async def run_claimed(worker: DispatcherWorker, claimed: ClaimedJob) -> None:
    job = _plain(worker, claimed)
    if job is None:
        await worker.pool.decr(retry_key_prefix + claimed.job_id)  # arq counts it again
        await worker.run_job(claimed.job_id, claimed.score)
        return
    job_id, job_try, score = claimed.job_id, claimed.job_try, claimed.score
    ref = f"{job_id}:{job.function.name}"
    ctx = {**worker.ctx, "job_id": job_id, "job_try": job_try, "score": score,
           "enqueue_time": ms_to_datetime(job.enqueue_time_ms)}  # fmt: skip
    if worker.on_job_start:
        await worker.on_job_start(ctx)
    start_ms = timestamp_ms()
    timeout_s = worker.job_timeout_s if job.function.timeout_s is None else job.function.timeout_s
    finish, incr_score = True, None
    try:  # the job's log lines inside, as arq's: an argument or result whose repr raises
        if arq_log.isEnabledFor(logging.INFO):  # fails the job, not the worker
            extra = f" try={job_try}" if job_try > 1 else ""
            if start_ms - score > 1200:
                extra += f" delayed={(start_ms - score) / 1000:0.2f}s"
            arq_log.info("%6.2fs → %s(%s)%s", (start_ms - job.enqueue_time_ms) / 1000, ref,
                         args_to_string(job.args, job.kwargs), extra)  # fmt: skip
        task = worker.loop.create_task(job.function.coroutine(ctx, *job.args, **job.kwargs))
        worker.job_tasks[job_id] = task
        try:
            result = await asyncio.wait_for(task, timeout_s)
            shown = None
            if arq_log.isEnabledFor(logging.INFO):
                shown = "" if result is None or not worker.log_results else truncate(repr(result))
        finally:
            del worker.job_tasks[job_id]
    except (Exception, asyncio.CancelledError) as exc:
        seconds = (timestamp_ms() - start_ms) / 1000
        if worker.retry_jobs and isinstance(exc, Retry):
            finish, incr_score = False, exc.defer_score
            if exc.defer_score:
                incr_score = exc.defer_score + (timestamp_ms() - score)
            worker.jobs_retried += 1
            arq_log.info("%6.2fs ↻ %s retrying job in %0.2fs", seconds, ref,
                         (exc.defer_score or 0) / 1000)  # fmt: skip
        elif worker.retry_jobs and isinstance(exc, asyncio.CancelledError | RetryJob):
            finish = False
            worker.jobs_retried += 1
            arq_log.info("%6.2fs ↻ %s cancelled, will be run again", seconds, ref)
        else:
            worker.jobs_failed += 1
            arq_log.exception("%6.2fs ! %s failed, %s: %s", seconds, ref,
                              type(exc).__name__, exc)  # fmt: skip
    else:
        worker.jobs_complete += 1
        if shown is not None:
            arq_log.info("%6.2fs ← %s ● %s", (timestamp_ms() - start_ms) / 1000, ref, shown)
    if worker.on_job_end:
        await worker.on_job_end(ctx)
    await asyncio.shield(
        worker.finish_job(job_id, finish, None, None, False, incr_score, None)
    )
    if worker.after_job_end:
        await worker.after_job_end(ctx)


def _plain(worker: DispatcherWorker, claimed: ClaimedJob) -> _Job | None:
    """The job, when arq would run it the common way; None for anything else."""
    if claimed.payload is None or worker.allow_abort_jobs:
        return None
    try:
        name, args, kwargs, enqueue_try, enqueue_time_ms = deserialize_job_raw(
            claimed.payload, deserializer=worker.job_deserializer
        )
    except Exception:  # arq's run_job says why, and fails the job
        return None
    function = worker.functions.get(name)
    if not isinstance(function, Function) or (enqueue_try and enqueue_try > claimed.job_try):
        return None
    max_tries = worker.max_tries if function.max_tries is None else function.max_tries
    forever = function.keep_result_forever
    kept_s = worker.keep_result_s if function.keep_result_s is None else function.keep_result_s
    if forever is None:
        forever = worker.keep_result_forever
    if claimed.job_try > max_tries or forever or (kept_s or 0) > 0:
        return None
    return _Job(function, args, kwargs, enqueue_time_ms)
