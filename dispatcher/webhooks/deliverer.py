"""The deliverer: a loop of its own (``dispatcher webhooks``) that projects new events and
posts each subscription's due deliveries, signed.

Why its own process and not an arq job in the worker: a subscriber that is slow or down
would hold the worker's job slots and event loop for its timeouts, and sending would pay
for it. Here it costs the senders nothing: this loop reads the contact log after the
fact, writes only its own tables, and needs neither Redis nor the worker.

Each subscription is worked on by one deliverer at a time (a lease on its row, taken
again at each tick; a crashed deliverer's lease runs out and another takes over), and
a subscription still busy with a slow tick is skipped by the next one, not waited for.
At least once: an attempt recorded as failed, or not recorded at all (a crash), is sent
again with the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock, SystemClock
from dispatcher.events.feed import event_body
from dispatcher.events.models import Subscription
from dispatcher.events.projector import Projection
from dispatcher.settings import Settings
from dispatcher.webhooks.deliveries import Outcome, RetryPolicy, due, fan_out, record
from dispatcher.webhooks.pruning import prune_delivered
from dispatcher.webhooks.signing import signature_header
from dispatcher.webhooks.subscriptions import live_secrets

__all__ = ["Deliverer"]

log = logging.getLogger(__name__)

ROUND_S = 5.0  # a subscription's round goes on this long at most, then the next tick's
PRUNE_EVERY = timedelta(hours=1)  # delivered events and deliveries (pruning.py)


class Deliverer:
    def __init__(
        self, engine: AsyncEngine, settings: Settings, *, clock: Clock | None = None,
        wall: Callable[[], float] = time.time, owner: str | None = None,
        stop_grace_s: float | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.settings = settings
        self.clock = clock or SystemClock()
        self.wall = wall  # the signatures' timestamps: receivers check them against theirs
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.policy = RetryPolicy.of(settings)
        self.stop_grace_s = settings.webhook_timeout_s if stop_grace_s is None else stop_grace_s
        self.projection = Projection(engine, self.clock, interval_s=0)
        self._http: aiohttp.ClientSession | None = None
        self._busy: dict[int, asyncio.Task[int]] = {}
        self._pruned_at: datetime | None = None

    async def __aenter__(self) -> Deliverer:
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout_s)
        self._http = aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": "dispatcher"})
        return self

    async def __aexit__(self, *_: object) -> None:
        """Rounds under way may finish (and record what they sent) within the grace; the
        rest are cancelled, and what they sent is sent again by the next deliverer."""
        busy = [task for task in self._busy.values() if not task.done()]
        if busy:
            try:
                await asyncio.wait(busy, timeout=self.stop_grace_s)
            finally:  # also when told to stop at once: each round releases its lease
                for task in busy:
                    task.cancel()
                await asyncio.gather(*busy, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and tried again."""
        while not stop.is_set():
            try:
                await self.tick(wait=False)
            except Exception:
                log.exception("webhooks: a tick failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.webhook_poll_s)

    async def tick(self, *, wait: bool = True) -> int:
        """Project, then start each active subscription's round (unless its last one is
        still going); with ``wait``, wait for them. The attempts made, if waited for."""
        await self.projection.refresh()
        await self._prune()
        async with self.engine.connect() as conn:
            ids = list(await conn.scalars(select(Subscription.id).where(Subscription.active)))
        for sub_id in ids:
            if sub_id not in self._busy or self._busy[sub_id].done():
                self._busy[sub_id] = asyncio.create_task(self._round(sub_id))
                self._busy[sub_id].add_done_callback(_log_failure)
        if not wait:
            return 0
        results = await asyncio.gather(*(self._busy[i] for i in ids))
        return sum(results)

    async def _prune(self) -> None:
        """Delivered events and deliveries past their keeping, at most once an hour."""
        days, now = self.settings.webhook_keep_delivered_days, self.clock.now()
        if days <= 0 or (self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY):
            return
        self._pruned_at = now
        pruned = await prune_delivered(self.engine, now=now, keep=timedelta(days=days))
        if pruned.events or pruned.deliveries:
            log.info("webhooks: pruned %s", pruned)

    async def _round(self, sub_id: int) -> int:
        """Batches of due deliveries, one after another, for up to ``ROUND_S`` (a backlog
        drains at the receiver's pace, not one batch per tick), under one lease."""
        subscription = await self._lease(sub_id)
        if subscription is None:
            return 0
        sent, cursor, ends = 0, subscription.cursor, time.monotonic() + ROUND_S
        try:
            while time.monotonic() < ends:
                cursor = await fan_out(
                    self.engine, subscription, cursor=cursor, now=self.clock.now()
                )
                batch = await due(
                    self.engine, sub_id, now=self.clock.now(),
                    limit=self.settings.webhook_concurrency,
                )  # fmt: skip
                if not batch:
                    break
                outcomes = await asyncio.gather(*(self._post(subscription, d) for d in batch))
                await record(self.engine, outcomes, self.policy)
                sent += len(outcomes)
            return sent
        finally:
            await self._release(sub_id)

    async def _lease(self, sub_id: int) -> Row[Any] | None:
        now = self.clock.now()
        # Longer than a round can take (its last batch may wait the whole timeout).
        until = now + timedelta(seconds=ROUND_S + self.settings.webhook_timeout_s + 60)
        async with self.engine.begin() as conn:
            taken = await conn.execute(
                update(Subscription)
                .where(
                    Subscription.id == sub_id,
                    Subscription.active,
                    or_(
                        Subscription.lease_until.is_(None),
                        Subscription.lease_until < now,
                        Subscription.lease_owner == self.owner,
                    ),
                )
                .values(lease_owner=self.owner, lease_until=until)
                .returning(*Subscription.__table__.c)
            )
            return taken.first()

    async def _release(self, sub_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(Subscription)
                .where(Subscription.id == sub_id, Subscription.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def _post(self, subscription: Row[Any], delivery: Row[Any]) -> Outcome:
        assert self._http is not None, "use the deliverer as an async context manager"
        body = json.dumps(
            event_body(delivery, full=subscription.role != "strategy"), ensure_ascii=False
        ).encode()
        stamp = int(self.wall())
        secrets = live_secrets(subscription.secrets, self.clock.now())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature_header(secrets, delivery.event_id, stamp, body),
        }
        at, started = self.clock.now(), time.monotonic()
        status, error = None, None
        try:
            async with self._http.post(
                subscription.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        took = int((time.monotonic() - started) * 1000)
        return Outcome(delivery, at, status, error, took)


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("webhooks: a subscription's round failed", exc_info=task.exception())
