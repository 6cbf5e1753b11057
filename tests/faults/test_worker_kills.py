"""Trial 1: workers SIGKILLed mid-batch, again and again, and restarted each time.

1,000 texts arrive in five waves while a worker is killed every second or so (22
kills) and a new one started at once, so kills land mid-render, mid-claim, mid-send
and mid-callback. Callbacks and the sweep settle the rest.

A job that was running in a killed worker keeps arq's lock (``JOB_TIMEOUT_S`` + 10 s)
before another worker may run it, so the trial waits that long for the last of them.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from dispatcher.worker import JOB_TIMEOUT_S
from tests.faults.harness import PrivateServers, Trial, open_trial
from tests.faults.workload import texts

pytestmark = pytest.mark.faults

TEXTS = 1000
WAVES = 5
KILLS = 22
ARQ_LOCK_S = JOB_TIMEOUT_S + 10


def kill_one_and_restart(trial: Trial) -> None:
    running = trial.processes.running_workers()
    if running:
        trial.kill(running[0])  # the older one: it has had time to take jobs
    while len(trial.processes.running_workers()) < 2:
        trial.processes.worker()


async def test_workers_sigkilled_mid_batch_send_each_text_once(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(60 + KILLS * 2 + ARQ_LOCK_S + 30):
        async with open_trial(private_servers, "sigkill", tmp_path) as trial:
            rng = random.Random(20261201)
            per_wave = TEXTS // WAVES
            for kill in range(KILLS):
                wave, starts_wave = divmod(kill, KILLS // WAVES)
                if starts_wave == 0 and wave < WAVES:
                    await trial.enqueue(texts(trial.run, per_wave, first=wave * per_wave))
                await asyncio.sleep(rng.uniform(0.8, 1.6))
                kill_one_and_restart(trial)

            report = await trial.finish(summaries, settle_s=ARQ_LOCK_S + 30)

    assert report.messages == TEXTS
    assert report.kills >= 20
