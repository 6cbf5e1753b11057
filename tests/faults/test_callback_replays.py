"""Trial 6: status callbacks replayed and reordered.

Texts delivered with their callbacks in order get every callback again, shuffled, twice:
nothing changes. Texts whose callbacks never came get them late and backwards
("delivered" before "sent"): they end delivered, each moved to delivered once, and a
late "sent" or "queued" never moves one back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.faults.harness import PrivateServers, Trial, open_trial
from tests.faults.workload import texts

pytestmark = pytest.mark.faults

EACH = 80
SNAPSHOT = """
SELECT m.id, m.status, m.provider_message_id,
       (SELECT count(*) FROM message_events e WHERE e.message_id = m.id
        AND e.source = 'webhook' AND e.status = 'delivered') AS delivered_events
FROM messages m
"""

Snapshot = dict[str, tuple[str, str | None, int]]


async def snapshot(trial: Trial) -> Snapshot:
    async with trial.engine.connect() as conn:
        rows = (await conn.execute(text(SNAPSHOT))).all()
    return {
        row.id: (row.status, row.provider_message_id, int(row.delivered_events)) for row in rows
    }


async def test_replayed_and_reordered_callbacks_change_nothing_and_never_move_back(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    async with asyncio.timeout(120):
        # No delivery check by the sweep: only the callbacks may move these texts on.
        no_check = {"DELIVERY_CHECK_AFTER_S": "600"}
        async with open_trial(private_servers, "replays", tmp_path, settings=no_check) as trial:
            # Given texts delivered with their callbacks, and texts whose callbacks never came
            await trial.enqueue(texts(trial.run, EACH))
            await trial.wait_until("delivered", lambda c: c.get("delivered", 0) == EACH)
            await trial.provider.callbacks(enabled=False)
            await trial.enqueue(texts(trial.run, EACH, first=EACH))
            await trial.wait_until("sent", lambda c: c.get("sent", 0) == EACH)
            before = await snapshot(trial)

            # When every callback is replayed backwards, then again shuffled
            await trial.provider.replay(["delivered", "sent", "queued"])
            after_backwards = await snapshot(trial)
            await trial.provider.replay(["queued", "sent", "delivered", "sent"], shuffle=True)
            after_shuffled = await snapshot(trial)

            report = await trial.finish(summaries, settle_s=30)

    # Then the delivered ones did not change, and the late ones are delivered, once
    assert (
        sorted(status for status, _, _ in before.values()) == ["delivered"] * EACH + ["sent"] * EACH
    )
    expected = {message_id: ("delivered", pid, 1) for message_id, (_, pid, _) in before.items()}
    assert after_backwards == expected
    assert after_shuffled == expected
    assert report.statuses == {"delivered": 2 * EACH}
