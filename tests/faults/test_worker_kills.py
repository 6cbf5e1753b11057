"""Trial 1: workers SIGKILLed mid-batch, again and again, and restarted each time.

The fault phase (``sigkill.py``) runs before the first trial of the session, on servers of
its own; this test, last in the suite, waits for the batch to settle and checks it.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.harness import World, attach
from tests.faults.sigkill import ARQ_LOCK_S, KILLS, TEXTS

pytestmark = pytest.mark.faults


async def test_workers_sigkilled_mid_batch_send_each_text_once(
    sigkill_world: World, summaries: list[str]
) -> None:
    async with asyncio.timeout(ARQ_LOCK_S + 60):
        async with attach(sigkill_world) as trial:
            report = await trial.finish(summaries, settle_s=ARQ_LOCK_S + 30)

    assert report.messages == TEXTS
    assert report.kills == KILLS
