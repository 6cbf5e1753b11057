"""What a disposition schedules: a promise's reminder text, a requested callback.

Each is validated like any other request (``validate_batch``) before anything is written;
its problems are named under the field it came from (``reminder_variables.debtor_name``).
``enqueue_follow_ups`` gives the committed ones their jobs; if Redis is down, the sweep does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import Accepted, ContactLog
from dispatcher.domain import ChannelKind, Disposition
from dispatcher.enqueue.requests import MessageRequest, validate_batch
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.sending.queue import JobQueue
from dispatcher.settings import Settings
from templates import TemplateCatalog

__all__ = [
    "CALLBACK_TEMPLATE",
    "REMINDER_TEMPLATE",
    "OutcomeDeps",
    "enqueue_follow_ups",
    "follow_up_rows",
]

log = logging.getLogger(__name__)

REMINDER_TEMPLATE = "promise_to_pay_reminder"
CALLBACK_TEMPLATE = "collector_call"
REMINDER_HOUR = time(9, 0)  # "the morning of the promised date", local to the debtor


class OutcomeDeps(Protocol):
    """What recording an outcome needs: ``Deps`` and ``DispatcherClient`` both have it."""

    settings: Settings
    log: ContactLog
    catalog: TemplateCatalog
    queue: JobQueue


def follow_up_rows(
    deps: OutcomeDeps,
    message: Message,
    kind: Disposition,
    disposition: dict[str, Any],
    zones: Sequence[ZoneInfo],
    now: datetime,
    problems: list[FieldProblem],
) -> list[dict[str, Any]]:
    """The message a disposition schedules, validated like any other (none for most kinds,
    and none while the fields it is made from have problems); its problems join ``problems``."""
    common: dict[str, Any] = {
        "locale": message.locale, "destination": message.destination,
        "debtor_ref": message.debtor_ref, "account_ref": message.account_ref,
        "requested_by": message.requested_by,  # a campaign's pause covers its follow-ups
    }  # fmt: skip
    if kind == Disposition.PROMISE_TO_PAY and {"amount", "currency", "date"} <= set(disposition):
        request = _reminder(message, disposition, zones, common)
        field = "reminder_variables"
    elif kind == Disposition.CALLBACK_REQUESTED and "callback_at" in disposition:
        request = MessageRequest(
            channel=ChannelKind.VOICE, template=CALLBACK_TEMPLATE, variables=message.variables,
            idempotency_key=f"disposition:{message.id}:callback", collector_id=message.collector_id,
            send_after=datetime.fromisoformat(disposition["callback_at"]), **common,
        )  # fmt: skip
        field = "callback"
    else:
        return []
    try:
        return validate_batch(
            [request], catalog=deps.catalog, now=now,
            max_sms_segments=deps.settings.sms_max_segments,
            validity=timedelta(hours=deps.settings.message_validity_h),
        )  # fmt: skip
    except InvalidRequest as exc:
        problems += [
            FieldProblem(
                f"{field}.{p.field.removeprefix('variables.')}",
                p.problem,
                code=p.code,
                params=p.params,
            )
            for p in exc.problems
        ]
        return []


def _reminder(
    message: Message,
    disposition: dict[str, Any],
    zones: Sequence[ZoneInfo],
    common: dict[str, Any],
) -> MessageRequest:
    promised = date.fromisoformat(disposition["date"])
    morning = max(datetime.combine(promised, REMINDER_HOUR, z) for z in zones)
    day_ends = min(datetime.combine(promised + timedelta(days=1), time(0), z) for z in zones)
    variables = {
        **message.variables,
        **dict(disposition.get("reminder_variables") or {}),
        "promise_amount": disposition["amount"],
        "promise_date": disposition["date"],
        "currency": disposition["currency"],
    }
    return MessageRequest(
        channel=ChannelKind.SMS, template=REMINDER_TEMPLATE, variables=variables,
        idempotency_key=f"disposition:{message.id}:promise_to_pay_reminder",
        send_after=morning, valid_until=day_ends if day_ends > morning else None, **common,
    )  # fmt: skip


async def enqueue_follow_ups(deps: OutcomeDeps, accepted: Sequence[Accepted]) -> None:
    """Jobs for what was just committed; if Redis is down, the sweep enqueues them."""
    jobs = [(a.message_id, a.scheduled_for) for a in accepted if a.created]
    if not jobs:
        return
    try:
        await deps.queue.enqueue(jobs, now=deps.log.clock.now())
    except (RedisError, OSError) as exc:
        log.warning("Redis unavailable (%s); %d follow-ups wait for the sweep", exc, len(jobs))
