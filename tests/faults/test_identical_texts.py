"""Trial 5: the same text to the same number, again and again, with workers killed mid-send.

Same debtor, same template, same variables, different idempotency keys: the provider
holds texts that cannot be told apart by body and number. First some go out normally;
then more are sent while the provider holds every answer, some created and some never,
and every worker is killed while they are all in flight. A lookup by number and body
cannot say which provider message is whose: a text that never left must never be
recorded ``sent`` with another message's provider id.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.faults.faulty_twilio import FaultPlan
from tests.faults.harness import PrivateServers, open_trial
from tests.faults.workload import identical_texts

pytestmark = pytest.mark.faults

ALREADY_SENT = 10
IN_FLIGHT = 20
HOLD_S = 8.0  # long enough to kill every worker while all are held, short of the timeout


async def test_identical_texts_with_a_worker_killed_mid_send_are_never_mixed_up(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(120):
        async with open_trial(private_servers, "identical-texts", tmp_path) as trial:
            # Given identical texts already sent to the number (the lookup will see them)
            await trial.provider.callbacks(enabled=False)
            requests = identical_texts(trial.run, ALREADY_SENT + IN_FLIGHT)
            await trial.enqueue(requests[:ALREADY_SENT])
            await trial.wait_until("sent", lambda c: c.get("sent", 0) == ALREADY_SENT)

            # When more are in flight, half never created, and every worker is killed
            held = FaultPlan("create_then_hold", per_message=1, hold_s=HOLD_S)
            await trial.provider.plan(replace(held, kind="hold_before", rate=0.5), held)
            await trial.enqueue(requests[ALREADY_SENT:])
            await trial.all_in_flight(lambda c: c.get("sending", 0) == IN_FLIGHT, hold_s=HOLD_S)
            trial.kill_workers(restart=2)
            await trial.provider.plan()

            # Then none is recorded sent with another's provider id, none goes twice
            report = await trial.finish(summaries, settle_s=60, unknown_quiet_s=12)

    assert report.kills == 2
