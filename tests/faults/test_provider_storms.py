"""Trial 4: the provider misbehaves — storms of 429 and 503, errors and timeouts.

- **Refusals** (429, then 503) for a while, on a queue that lags (few jobs per worker)
  and a sweep whose grace is shorter than the backlog: each message is retried, and
  still reaches the provider at most ``SEND_MAX_TRIES`` times in all.
- **Ambiguous answers**: the provider creates the message, then answers 500 or 504,
  drops the connection, or holds its answer past the client's timeout. The message may
  have gone out, so it must not be resent blindly: the provider's (late) callback or
  the sweep's lookup settles it.
- **A timeout before creating**: the provider holds the request past the client's
  timeout and creates nothing. Unknown at first; the lookup finds nothing, so it may go
  again — and then goes once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.faults.faulty_twilio import FaultPlan
from tests.faults.harness import PrivateServers, open_trial
from tests.faults.workload import texts

pytestmark = pytest.mark.faults

# The Twilio channel gives up on an answer after 10 s; the fake holds it longer.
PAST_CLIENT_TIMEOUT_S = 12.0


async def test_refusal_storms_retry_within_the_limit_of_tries(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    # Few jobs at once: the backlog outlasts the sweep's grace, and retries (queued
    # behind it) meet the storm again.
    lagging = {"WORKER_MAX_JOBS": "5", "SWEEP_GRACE_S": "1", "RETRY_BACKOFF_S": "0.5"}
    async with asyncio.timeout(150):
        async with open_trial(
            private_servers, "storm-429-503", tmp_path, settings=lagging
        ) as trial:
            await trial.provider.plan(FaultPlan("refuse", status=429, rate=0.9))
            await trial.enqueue(texts(trial.run, 120))
            await asyncio.sleep(10)
            await trial.provider.plan(FaultPlan("refuse", status=503, rate=0.9))
            await asyncio.sleep(10)
            await trial.provider.plan()

            report = await trial.finish(summaries, settle_s=90)

    assert report.max_tries_seen >= 3  # the storm did make messages retry, and again


async def test_ambiguous_answers_and_timeouts_never_send_twice(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(150):
        async with open_trial(private_servers, "ambiguous", tmp_path) as trial:
            # Callbacks come late: after the timeouts, and after the first lookups.
            await trial.provider.callbacks(enabled=True, delay_s=8.0)
            once = FaultPlan(per_message=1, hold_s=PAST_CLIENT_TIMEOUT_S)
            await trial.provider.plan(
                replace(once, kind="hold_before", rate=0.15),
                replace(once, kind="create_then_hold", rate=0.2),
                replace(once, kind="create_then_error", status=500, rate=0.2),
                replace(once, kind="create_then_error", status=504, rate=0.15),
                replace(once, kind="create_then_drop", rate=0.25),
            )
            await trial.enqueue(texts(trial.run, 150))

            report = await trial.finish(summaries, settle_s=100, unknown_quiet_s=20)

    assert report.provider_creates > report.messages  # the faults did bite
    # Every ambiguous send was settled, by a (late) callback or by the sweep's lookup
    assert "unknown" not in report.statuses
