"""The fold reads what the real pipeline writes: its verdicts, events and results."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from dispatcher.clock import FrozenClock
from dispatcher.stats.fold import LAG, fold_cron
from dispatcher.stats.query import StatsFilter, figures
from tests.dispatcher.conftest import Stack, reminder


async def test_a_text_sent_by_the_worker_is_one_attempt_inside_the_hours(stack: Stack) -> None:
    # Given a reminder sent by a real worker, at a time the packs allow
    accepted = await stack.client.send(reminder())
    await stack.run_worker()
    sent = await stack.view(accepted.message_id)
    assert sent.status in ("sent", "delivered")
    # When the worker's cron folds its events, a minute later
    later = SimpleNamespace(log=stack.log, clock=FrozenClock(stack.clock.now() + LAG * 2))
    assert (await fold_cron({"deps": later})).startswith("folded ")
    assert await fold_cron({"deps": later}) == "nothing to fold"
    found = await figures(
        stack.log.engine, StatsFilter(date(2026, 11, 29), date(2026, 12, 2)),
        grace_days=3, today=date(2026, 12, 1),
    )  # fmt: skip
    # Then it is one attempt, shown inside the hours by the verdict the worker stored
    assert found["attempts"] == 1
    assert found["attempts_outside_hours"] == 0
    assert [(r["channel"], r["result"], r["count"]) for r in found["contacts_by_day"]] == [
        ("sms", "sent", 1)
    ]
