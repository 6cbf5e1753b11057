"""Messages: enqueue one or a batch (strategy), read one, list and search (by role).

Enqueueing goes through ``DispatcherClient.send_many`` — the same validation, one
contact-log transaction and one Redis round trip as the Python client. A batch is all
or nothing: any invalid item refuses the whole batch (422, every problem with its
index) and nothing is written. Nothing is sent from here; the pipeline does that.

``requested_by`` is the key (``api:<key name>``), followed by ``#<campaign>`` when the
request names a campaign: that is what a campaign pause matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from dispatcher.api.auth import PEOPLE, allow
from dispatcher.api.bodies import Query, parsed, read_body, read_raw, refusal
from dispatcher.api.context import Api
from dispatcher.api.models import messages as bodies
from dispatcher.api.models import views
from dispatcher.api.models.messages import MAX_BATCH
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem, request_locale
from dispatcher.api.views import event_json, message_json
from dispatcher.contactlog.audit import MessageFilters
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.store import Accepted
from dispatcher.domain import PHONE_CHANNELS, ChannelKind, MessageStatus
from dispatcher.enqueue.early_refusal import enqueue_facts
from dispatcher.enqueue.requests import MessageRequest, validate_batch
from dispatcher.errors import FieldProblem, InvalidBatch, InvalidRequest, UnknownMessage
from dispatcher.i18n import DEFAULT_LOCALE, translate

__all__ = ["MAX_BATCH", "enqueue_batch", "enqueue_one", "get_message", "list_messages"]

MAX_BATCH_BYTES = 64 * 1024**2
MESSAGE_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@allow(Role.STRATEGY)
async def enqueue_one(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message, problems = _message(await read_body(request, bodies.MessageRequest), key)
    if problems:
        raise Problem.invalid(problems)
    accepted = await api.client.send_many([message])
    return shown(_accepted(accepted[0]), status=202)


@allow(Role.STRATEGY)
async def enqueue_batch(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    raw = await read_raw(request, max_bytes=MAX_BATCH_BYTES)
    try:
        batch = bodies.BatchRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise await _refusal(api, key, raw, exc) from None
    messages, problems = [], []
    for index, item in enumerate(batch.messages):
        message, found = _message(item, key, index)
        messages.append((index, message))
        problems += found
    if problems:
        ok = {p.index for p in problems}
        found = await _problems_of(api, [(i, m) for i, m in messages if i not in ok])
        raise Problem.invalid(sorted(problems + found, key=_position))
    try:
        accepted = await api.client.send_many([m for _, m in messages])
    except InvalidRequest as exc:  # for a batch of one it names no index: name it all the same
        problems = [
            FieldProblem(p.field, p.problem, p.index or 0, p.code, p.params) for p in exc.problems
        ]
        raise InvalidBatch(problems) from None
    answer = bodies.BatchAccepted.model_construct(
        count=len(accepted),
        created=sum(a.created for a in accepted),
        messages=[_accepted(a) for a in accepted],
    )
    return shown(answer, status=202)


async def _refusal(api: Api, key: KeyRecord, raw: bytes, error: ValidationError) -> Problem:
    """Why a batch is refused: too many (413), not JSON (400), or every problem of every
    item, with what validation finds in the well-formed ones (422)."""
    if any(e["type"] == "too_long" and e["loc"] == ("messages",) for e in error.errors()):
        count = len(json.loads(raw)["messages"])
        return Problem(
            413, f"a batch holds at most {MAX_BATCH} messages, not {count}",
            code="batch_too_large", params={"max": MAX_BATCH, "count": count},
        )  # fmt: skip
    problem = refusal(error, batch="messages")
    if problem.status != 422 or any(p.index is None for p in problem.errors):
        return problem
    bad = {p.index for p in problem.errors}
    well_formed = []
    for index, item in enumerate(json.loads(raw)["messages"]):
        if index not in bad:
            message, _ = _message(parsed(bodies.MessageRequest, json.dumps(item).encode()), key)
            well_formed.append((index, message))
    found = await _problems_of(api, well_formed)
    return Problem.invalid(sorted(problem.errors + found, key=_position))


@allow(Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)
async def get_message(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = request.match_info["message_id"]
    row = await api.audit.message(message_id) if MESSAGE_ID.fullmatch(message_id) else None
    if row is None or (key.role is Role.COLLECTOR and not _own(row, key)):
        raise UnknownMessage(message_id)
    full = key.role is not Role.STRATEGY
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="message.read", filters={"id": message_id},
            debtor_ref=row.debtor_ref, message_id=message_id, rows=1,
        )  # fmt: skip
    one = message_json(row._mapping, full=full, verdict="full", locale=request_locale(request))
    one["events"] = [event_json(e._mapping, full=full) for e in await api.audit.events(row.id)]
    return shown(views.Message.model_validate(one))


@allow(Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)
async def list_messages(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    filters = message_filters(query, key)
    cursor = cursor_of(query)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    query.finish()
    rows = await api.audit.messages(filters, after=cursor, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="messages.list",
            filters={**filters.to_json(), "cursor": cursor, "limit": limit},
            debtor_ref=filters.debtor_ref, rows=len(rows),
        )  # fmt: skip
    full, locale = key.role is not Role.STRATEGY, request_locale(request)
    page = {
        "items": [
            message_json(r._mapping, full=full, verdict="summary", locale=locale) for r in rows
        ],
        "next_cursor": rows[-1].id if more else None,
    }
    return shown(views.MessagePage.model_validate(page))


def message_filters(query: Query, key: KeyRecord) -> MessageFilters:
    """The search filters shared by the list and the export."""
    return MessageFilters(
        debtor_ref=query.text("debtor_ref"),
        account_ref=query.text("account_ref"),
        status=query.choice("status", tuple(MessageStatus)),
        channel=query.choice("channel", tuple(ChannelKind)),
        rule_id=query.text("rule_id"),
        collector_id=query.text("collector_id"),
        since=query.timestamp("since"),
        until=query.timestamp("until"),
        # A collector sees what they asked for, their calls and the visits they are on;
        # the others see every message.
        visible_to=key.name if key.role is Role.COLLECTOR else None,
    )


def cursor_of(query: Query) -> str | None:
    cursor = query.text("cursor", max_length=26)
    if cursor is not None and not MESSAGE_ID.fullmatch(cursor):
        query.fail("cursor", "not a cursor this API returned", "query.cursor")
        return None
    return cursor


def _message(
    body: bodies.MessageRequest, key: KeyRecord, index: int | None = None
) -> tuple[MessageRequest, list[FieldProblem]]:
    """The enqueue's request, and what is wrong with where it goes (by its channel)."""
    problems = []
    if body.channel in PHONE_CHANNELS:
        if body.destination is None:
            problems.append(FieldProblem("destination", "is required", index, "required"))
        if body.address is not None:
            problems.append(_recipient_problem("address", "address_not_taken", index))
    else:
        if body.address is None:
            problems.append(FieldProblem("address", "is required", index, "required"))
        if body.destination is not None:
            problems.append(_recipient_problem("destination", "destination_not_taken", index))
    message = body.to_request(requested_by=f"api:{key.name}")
    return message, problems


def _recipient_problem(field: str, code: str, index: int | None) -> FieldProblem:
    return FieldProblem(field, translate(DEFAULT_LOCALE, f"problems.field.{code}"), index, code)


async def _problems_of(
    api: Api, messages: Sequence[tuple[int, MessageRequest]]
) -> list[FieldProblem]:
    """What validation finds in the well-formed items of a batch that has malformed ones."""
    if not messages:
        return []
    settings, now = api.deps.settings, api.deps.clock.now()
    requests = [m for _, m in messages]
    try:
        validate_batch(
            requests, catalog=api.deps.catalog, now=now,
            max_sms_segments=settings.sms_max_segments,
            validity=timedelta(hours=settings.message_validity_h),
            facts=await enqueue_facts(api.deps.log.engine, requests, now=now),
        )  # fmt: skip
    except InvalidRequest as exc:
        return [
            FieldProblem(p.field, p.problem, messages[p.index or 0][0], p.code, p.params)
            for p in exc.problems
        ]
    return []


def _position(problem: FieldProblem) -> tuple[int, str]:
    return (problem.index or 0, problem.field)


def _own(row: Any, key: KeyRecord) -> bool:
    """A collector's own: what they asked for, a call they place, a visit they are on."""
    mine = f"api:{key.name}"
    asked = row.requested_by == mine or row.requested_by.startswith(mine + "#")
    return asked or row.collector_id == key.name or key.name in (row.collector_ids or ())


def _accepted(accepted: Accepted) -> bodies.Accepted:
    return bodies.Accepted.model_construct(
        id=accepted.message_id,
        idempotency_key=accepted.idempotency_key,
        created=accepted.created,
        status=accepted.status,
        scheduled_for=accepted.scheduled_for,
    )
