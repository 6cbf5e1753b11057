"""Trial 7: the provider's clock 10 minutes behind ours, then 10 minutes ahead, with a crash
mid-send each time.

Every worker is killed while the provider holds the answers (some texts created, some
never), so the sweep has to ask the provider what it took — and the provider's
``date_created`` is off ours by ten minutes. Settling by ids and facts, not by a
wall-clock window, sends nothing twice and claims nothing the provider never got.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.faults.faulty_twilio import FaultPlan
from tests.faults.harness import PrivateServers, Trial, open_trial
from tests.faults.workload import texts

pytestmark = pytest.mark.faults

EACH = 20
HOLD_S = 8.0
SKEWS_S = (-600.0, 600.0)


async def crash_mid_send(trial: Trial, first: int) -> None:
    """Send ``EACH`` texts, kill every worker while the provider holds them all, restart."""
    held = FaultPlan("create_then_hold", per_message=1, hold_s=HOLD_S)
    await trial.provider.plan(replace(held, kind="hold_before", rate=0.5), held)
    await trial.enqueue(texts(trial.run, EACH, first=first))
    await trial.all_in_flight(lambda c: c.get("sending", 0) == EACH, hold_s=HOLD_S)
    trial.kill_workers(restart=2)
    await trial.provider.plan()


async def test_a_skewed_provider_clock_with_a_crash_mid_send_sends_each_text_once(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(150):
        async with open_trial(private_servers, "clock-skew", tmp_path) as trial:
            await trial.provider.callbacks(enabled=False)  # the sweep's lookup must decide
            for wave, skew_s in enumerate(SKEWS_S):
                await trial.provider.clock(skew_s)
                await crash_mid_send(trial, first=wave * EACH)
                await trial.settle(timeout_s=45, quiet_s=3)

            report = await trial.finish(summaries, settle_s=45, unknown_quiet_s=15)

    assert report.kills == 2 * len(SKEWS_S)
    assert report.messages == EACH * len(SKEWS_S)
    # One number per debtor: the lookup can always tell, whatever the provider's clock says
    assert "unknown" not in report.statuses
