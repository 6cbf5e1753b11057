"""The periodic sweep: nothing committed to the contact log is ever left behind.

- A message committed while Redis was unreachable (or whose job was lost) is due but
  has no job: the sweep enqueues it again. Job ids make that a no-op when the job exists.
- A message left ``sending`` by a worker that died mid-send may or may not have reached
  the provider. Resending could text the debtor twice, so it is never resent: unless the
  provider's callback settles it first, it is closed as failed with ``outcome_unknown``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from dispatcher.deps import Deps
from dispatcher.domain import EventSource, MessageStatus

__all__ = ["OUTCOME_UNKNOWN", "sweep"]

log = logging.getLogger(__name__)

OUTCOME_UNKNOWN = "outcome_unknown"
BATCH = 5000


async def sweep(ctx: dict[str, Any]) -> str:
    deps: Deps = ctx["deps"]
    settings, now = deps.settings, deps.clock.now()

    due = await deps.log.due(
        scheduled_before=now - timedelta(seconds=settings.sweep_grace_s), limit=BATCH
    )
    requeued = await deps.queue.enqueue(due, now=now) if due else 0

    stuck = await deps.log.stuck_sending(
        claimed_before=now - timedelta(seconds=settings.sending_timeout_s), limit=BATCH
    )
    for message_id in stuck:
        await deps.log.transition(
            message_id,
            expect={MessageStatus.SENDING},
            to=MessageStatus.FAILED,
            source=EventSource.SWEEP,
            detail={"error_code": OUTCOME_UNKNOWN},
            error_code=OUTCOME_UNKNOWN,
            error_text="the worker stopped while handing the message to the provider and no "
            "provider callback arrived; not resent, because it may have gone out",
            error_retryable=False,
        )
    if requeued or stuck:
        log.warning("sweep: re-enqueued %d messages, closed %d stuck sends", requeued, len(stuck))
    return f"re-enqueued {requeued}, closed {len(stuck)}"
