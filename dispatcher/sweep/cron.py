"""The sweep's arq cron job: re-enqueue, settle, ask after deliveries."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from dispatcher.process.deps import Deps
from dispatcher.sweep.deliveries import check_deliveries
from dispatcher.sweep.settle import settle_unsettled

__all__ = ["sweep"]

log = logging.getLogger(__name__)

BATCH = 5000


async def sweep(ctx: dict[str, Any]) -> str:
    deps: Deps = ctx["deps"]
    now = deps.clock.now()
    due = await deps.log.due(
        scheduled_before=now - timedelta(seconds=deps.settings.sweep_grace_s), limit=BATCH
    )
    requeued = await deps.queue.offer(due, now=now) if due else 0
    settled = await settle_unsettled(deps, now)
    checked = await check_deliveries(deps, now)
    if requeued or settled or checked:
        log.warning(
            "sweep: re-enqueued %d messages, looked up %d unsettled sends, asked after %d "
            "deliveries", requeued, settled, checked,
        )  # fmt: skip
    return f"re-enqueued {requeued}, looked up {settled}, asked after {checked}"
