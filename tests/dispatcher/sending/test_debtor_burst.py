"""A burst for one debtor (many messages due at once) costs one decision each: the cap's
few go, the rest wait for the cap's window with one deferral each; nothing re-checks in a
loop, nothing is sent past the cap."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.process.worker import create_worker
from tests.dispatcher.conftest import Stack

BURST = 40
TEXTS_PER_DAY = 3  # the org pack's cap on texts to one debtor in 24 hours


async def test_a_burst_for_one_debtor_is_decided_once_per_message(stack: Stack) -> None:
    ids = [await stack.send(idempotency_key=f"burst-{i}") for i in range(BURST)]
    runs: list[str] = []

    async def ended(ctx: dict[str, Any]) -> None:
        if "@" in ctx["job_id"]:  # a message's job (the crons' have none)
            runs.append(ctx["job_id"])

    worker = create_worker(
        stack.settings, redis_url=stack.redis_url, clock=stack.clock, poll_delay=0.002,
        handle_signals=False, after_job_end=ended,
    )  # fmt: skip

    await worker.run_until_idle(horizon_s=3.0)  # a re-check loop would show up within 3 s

    async with stack.log.engine.connect() as conn:
        statuses = Counter(
            (await conn.execute(select(Message.status).where(Message.id.in_(ids)))).scalars()
        )
        events = Counter(
            (
                await conn.execute(
                    select(MessageEvent.status).where(MessageEvent.message_id.in_(ids))
                )
            ).scalars()
        )
    assert len(stack.twilio.requests) == TEXTS_PER_DAY
    assert statuses["deferred"] == BURST - TEXTS_PER_DAY
    assert events["deferred"] == BURST - TEXTS_PER_DAY  # one deferral each
    assert len(runs) == BURST  # one run of the pipeline each, not a loop
