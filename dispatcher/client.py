"""The Python client the strategy module uses: enqueue one or many messages, read them back.

    async with await DispatcherClient.connect(settings) as client:
        accepted = await client.send_many(requests)   # one transaction, one Redis round trip
        view = await client.get(accepted[0].message_id)
        page = await client.events(after=cursor, wait_s=30)   # the changes feed

A batch is all or nothing: if any item is invalid, ``InvalidBatch`` lists every problem
(index, field, reason) and nothing is written. That includes what the compliance gate
would certainly refuse for a fact the contact log knows now (``early_refusal``: no rule
pack for the debtor, an unknown or uncredentialed collector). A request without a
locale is rendered in the debtor's preferred language. Once the contact-log transaction commits
the messages are safe: if Redis is unreachable at that instant, the sweep enqueues them.

Redis is never a reason to refuse: ``connect`` does not wait for it (a warning says when
it is not answering), and each send tries it afresh (``redis_pool.lazy_redis``). A send
while Redis is down commits, logs a warning and returns the messages ``queued``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from dispatcher.api.models.messages import MessageRequest as MessageBody
from dispatcher.clock import Clock, SystemClock
from dispatcher.contactlog.approvals import TemplateApprovals
from dispatcher.contactlog.cancel import Cancelled, cancel_message, cancel_pending
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import Accepted, ContactLog
from dispatcher.enqueue.early_refusal import enqueue_facts
from dispatcher.enqueue.requests import MessageRequest, validate_batch
from dispatcher.events.feed import EventPage, decode_cursor, next_page
from dispatcher.events.projector import Projection
from dispatcher.process.redis_pool import COMMAND_TIMEOUT_S, lazy_redis, redis_reachable, where
from dispatcher.sending.queue import JobQueue
from dispatcher.settings import Settings
from templates import TemplateCatalog

__all__ = ["DispatcherClient", "EventView", "MessageBody", "MessageView"]

log = logging.getLogger(__name__)

_VIEW_FIELDS = (
    "id", "idempotency_key", "debtor_ref", "account_ref", "channel", "template_name",
    "template_version", "locale", "destination", "content", "segments", "requested_by",
    "created_at", "scheduled_for", "updated_at", "status", "attempts", "provider",
    "provider_message_id", "error_code", "error_text", "error_retryable", "verdict",
    "result", "collector_id", "collector_ids", "address", "duration_s", "recording_ref",
    "answered_by", "disposition",
)  # fmt: skip


@dataclass(frozen=True)
class EventView:
    at: datetime
    source: str
    status: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class MessageView:
    """One message as the contact log knows it, with its history."""

    message: dict[str, Any]
    events: list[EventView]

    @property
    def status(self) -> str:
        return str(self.message["status"])


class DispatcherClient:
    def __init__(
        self,
        settings: Settings,
        *,
        contact_log: ContactLog,
        redis: ArqRedis,
        catalog: TemplateCatalog | None = None,
    ) -> None:
        self.settings = settings
        self.log = contact_log
        self.redis = redis
        self.queue = JobQueue(redis)
        self.catalog = catalog or TemplateCatalog()
        self.approvals = TemplateApprovals(contact_log.engine, contact_log.clock, self.catalog)
        self._projection: Projection | None = None  # made by the first ``events`` call

    @classmethod
    async def connect(
        cls, settings: Settings, *, redis_url: str, clock: Clock | None = None
    ) -> DispatcherClient:
        """A client on the contact log and on Redis, whether Redis answers now or not."""
        engine = create_engine(settings.effective_database_url)
        redis = lazy_redis(redis_url, command_timeout_s=COMMAND_TIMEOUT_S)
        await redis_reachable(redis)  # only to warn early: sends try again each time
        return cls(settings, contact_log=ContactLog(engine, clock or SystemClock()), redis=redis)

    async def send(
        self, request: MessageRequest | MessageBody, *, refuse_early: bool = True
    ) -> Accepted:
        return (await self.send_many([request], refuse_early=refuse_early))[0]

    async def send_many(
        self, requests: Sequence[MessageRequest | MessageBody], *, refuse_early: bool = True
    ) -> list[Accepted]:
        """Validate, commit, enqueue. ``refuse_early=False`` leaves what the contact log
        knows (packs, collectors) to the gate alone: for showing the gate refuse it.

        A request is the enqueue's ``MessageRequest`` or the HTTP API's body
        (``dispatcher.api.models.messages.MessageRequest``, already checked as the API
        checks it): one declaration for both ways in."""
        plain = [
            r.to_request(requested_by="strategy") if isinstance(r, MessageBody) else r
            for r in requests
        ]
        await self.approvals.refresh()  # a template compliance approved a moment ago can go
        now = self.log.clock.now()
        rows = validate_batch(
            plain,
            catalog=self.catalog,
            now=now,
            max_sms_segments=self.settings.sms_max_segments,
            validity=timedelta(hours=self.settings.message_validity_h),
            facts=await enqueue_facts(
                self.log.engine, plain, now=now, refuse=refuse_early
            ),
        )
        accepted = await self.log.add_queued(rows)
        new_jobs = [(a.message_id, a.scheduled_for) for a in accepted if a.created]
        try:
            await self.queue.enqueue(new_jobs, now=self.log.clock.now())
        except (RedisError, OSError) as exc:
            # Committed is safe: the sweep enqueues due messages that have no job.
            log.warning(
                "Redis at %s unavailable (%s: %s); %d messages committed, waiting for the sweep",
                where(self.redis), type(exc).__name__, exc, len(new_jobs),
            )  # fmt: skip
        return accepted

    async def get(self, message_id: str) -> MessageView:
        message = await self.log.get(message_id)
        events = await self.log.events(message_id)
        return MessageView(
            message=_as_dict(message),
            events=[EventView(e.at, e.source, e.status, e.detail) for e in events],
        )

    async def events(
        self, after: str | None = None, *, limit: int = 100, wait_s: float = 0.0
    ) -> EventPage:
        """The changes feed, as ``GET /v1/events`` gives it (unmasked): the events after
        ``after`` (a ``next_cursor``; None: from the start); with none yet, waits up to
        ``wait_s`` for one. Keep ``next_cursor`` to go on from, after a crash too."""
        if self._projection is None:
            self._projection = Projection(self.log.engine, self.log.clock)
        start = 0 if after is None else decode_cursor(after)
        return await next_page(self._projection, after=start, limit=limit, wait_s=wait_s, full=True)

    async def cancel(self, message_id: str, *, reason: str) -> Cancelled:
        """Take back a message no worker has claimed; ``too_late`` says if one had."""
        return await cancel_message(self.log, message_id, by="strategy", reason=reason)

    async def cancel_pending(
        self,
        *,
        reason: str,
        debtor_ref: str | None = None,
        account_ref: str | None = None,
        campaign: str | None = None,
        hold: str | None = None,
    ) -> Cancelled:
        """Take back every pending message of one debtor, account or campaign; ``hold``
        (``paid``, ``settled``, ``written_off``, ``restructured``, ...) also stops what
        the debtor would be sent next."""
        return await cancel_pending(
            self.log, by="strategy", reason=reason, debtor_ref=debtor_ref,
            account_ref=account_ref, campaign=campaign, hold=hold,
        )  # fmt: skip

    async def aclose(self) -> None:
        await self.redis.aclose()
        await self.log.engine.dispose()

    async def __aenter__(self) -> DispatcherClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _as_dict(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in _VIEW_FIELDS}
