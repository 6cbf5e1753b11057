"""Trial 8: calls, where a fault can bite — a call placed twice is worse than a text twice.

- Every worker is killed while the provider holds the answers to call placements (some
  calls placed, some never); the placed calls ring and report back by callback.
- The provider places the call, then holds its answer past the client's timeout, and no
  callback comes: whether the call was placed is unknown, and it is never placed again.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.faults.faulty_twilio import FaultPlan
from tests.faults.harness import PrivateServers, open_trial
from tests.faults.workload import voice_reminders

pytestmark = pytest.mark.faults

EACH = 20
HOLD_S = 8.0
PAST_CLIENT_TIMEOUT_S = 12.0


async def test_calls_are_never_placed_twice_after_a_crash_or_a_timeout(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(150):
        async with open_trial(private_servers, "calls", tmp_path) as trial:
            # A worker killed mid-placement: the calls placed play out and call back
            held = FaultPlan("create_then_hold", channel="voice", per_message=1, hold_s=HOLD_S)
            await trial.provider.plan(replace(held, kind="hold_before", rate=0.5), held)
            await trial.enqueue(voice_reminders(trial.run, EACH))
            # (a placed call may already be reporting back, held answer or not)
            await trial.all_in_flight(lambda c: "queued" not in c, hold_s=HOLD_S)
            trial.kill_workers(restart=2)
            await trial.settle(timeout_s=45)

            # A timeout after the call was placed, and no callback at all
            await trial.provider.callbacks(enabled=False)
            await trial.provider.plan(
                FaultPlan("create_then_hold", channel="voice", hold_s=PAST_CLIENT_TIMEOUT_S)
            )
            await trial.enqueue(voice_reminders(trial.run, EACH, first=EACH))

            report = await trial.finish(summaries, settle_s=60, unknown_quiet_s=12)

    assert report.kills == 2
    assert report.messages == 2 * EACH
