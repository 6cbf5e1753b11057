"""Trial 1's fault phase: 1,000 texts in five waves while workers are SIGKILLed, one about
every second (22 kills), and a new one started at once each time.

Kills land mid-render, mid-claim, mid-send and mid-callback. A job that was running in a
killed worker keeps arq's lock (``JOB_TIMEOUT_S`` + 10 s) before another worker may run
it, so the batch settles that long after the last kill. The suite therefore runs this
phase first, on servers of its own (``conftest.sigkill_world``), and checks the outcome
last (``test_worker_kills``): the other trials run meanwhile.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from dispatcher.process.worker import JOB_TIMEOUT_S
from tests.faults.harness import PrivateServers, Trial, World, attach, start_world
from tests.faults.workload import texts

__all__ = ["ARQ_LOCK_S", "KILLS", "TEXTS", "start_sigkill_trial"]

TEXTS = 1000
WAVES = 5
KILLS = 22
ARQ_LOCK_S = JOB_TIMEOUT_S + 10
FAULT_PHASE_TIMEOUT_S = 120


def kill_one_and_restart(trial: Trial) -> None:
    running = trial.processes.running_workers()
    if running:
        trial.kill(running[0])  # the older one: it has had time to take jobs
    while len(trial.processes.running_workers()) < 2:
        trial.processes.worker()


async def kill_phase(world: World) -> None:
    async with attach(world) as trial:
        rng = random.Random(20261201)
        per_wave = TEXTS // WAVES
        for kill in range(KILLS):
            wave, starts_wave = divmod(kill, KILLS // WAVES)
            if starts_wave == 0 and wave < WAVES:
                await trial.enqueue(texts(trial.run, per_wave, first=wave * per_wave))
            await asyncio.sleep(rng.uniform(0.8, 1.6))
            kill_one_and_restart(trial)


def start_sigkill_trial(servers: PrivateServers, work_dir: Path) -> World:
    """Run the fault phase to its end; the world keeps running (and settling) afterwards."""
    world = start_world(servers, "sigkill", work_dir)
    try:
        asyncio.run(asyncio.wait_for(kill_phase(world), FAULT_PHASE_TIMEOUT_S))
    except BaseException:
        world.stop()
        raise
    return world
