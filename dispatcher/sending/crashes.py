"""A message whose job keeps crashing is quarantined, not retried forever.

A crash (an exception the pipeline does not expect: a bug, a template the catalog can no
longer load, ...) leaves the message pending, and the sweep enqueues it again. Each crash
is noted in the message's events; after ``max_job_crashes`` the message is closed as
failed with ``job_crashed``, so one poison message cannot keep a worker busy for ever
and the compliance team sees it in the log. A crash after the claim (status sending) is
left to the sweep, which never resends.
"""

from __future__ import annotations

import logging

from dispatcher.domain import PENDING, EventSource, MessageStatus
from dispatcher.errors import UnknownMessage
from dispatcher.process.deps import Deps

__all__ = ["JOB_CRASHED", "record_crash"]

log = logging.getLogger(__name__)

JOB_CRASHED = "job_crashed"


async def record_crash(deps: Deps, message_id: str, exc: BaseException) -> None:
    try:
        message = await deps.log.get(message_id)
        if message.status not in PENDING:
            return
        crashes = 1 + sum(1 for e in await deps.log.events(message_id) if "job_crash" in e.detail)
        text = f"{type(exc).__name__}: {exc}"[:500]
        detail = {"job_crash": text, "crashes": crashes}
        if crashes < deps.settings.max_job_crashes:
            await deps.log.note(message_id, source=EventSource.WORKER, detail=detail)
            return
        await deps.log.transition(
            message_id,
            expect=PENDING,
            to=MessageStatus.FAILED,
            source=EventSource.WORKER,
            detail=detail,
            error_code=JOB_CRASHED,
            error_text=f"the job crashed {crashes} times; quarantined, not sent: {text}",
            error_retryable=False,
        )
        log.error("message %s quarantined after %d crashes: %s", message_id, crashes, text)
    except UnknownMessage:
        return
    except Exception:  # the crash itself is what matters; this is best effort
        log.exception("could not record the crash of message %s", message_id)
