"""Messages: enqueue one or a batch (strategy), read one, list and search (by role).

Enqueueing goes through ``DispatcherClient.send_many`` — the same validation, one
contact-log transaction and one Redis round trip as the Python client. A batch is all
or nothing: any invalid item refuses the whole batch (422, every problem with its
index) and nothing is written. Nothing is sent from here; the pipeline does that.

``requested_by`` is the key (``api:<key name>``), followed by ``#<campaign>`` when the
request names a campaign: that is what a campaign pause matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web

from dispatcher.api.auth import PEOPLE, allow
from dispatcher.api.bodies import Fields, Query, read_json
from dispatcher.api.context import Api
from dispatcher.api.problems import Problem, request_locale
from dispatcher.api.views import event_json, message_json
from dispatcher.contactlog.audit import MessageFilters
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.store import Accepted
from dispatcher.domain import PHONE_CHANNELS, ChannelKind, MessageStatus
from dispatcher.enqueue.early_refusal import enqueue_facts
from dispatcher.enqueue.requests import CAMPAIGN, CAMPAIGN_HINT, MessageRequest, validate_batch
from dispatcher.errors import FieldProblem, InvalidBatch, InvalidRequest

__all__ = ["MAX_BATCH", "enqueue_batch", "enqueue_one", "get_message", "list_messages"]

MAX_BATCH = 10_000
MAX_BATCH_BYTES = 64 * 1024**2
MESSAGE_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@allow(Role.STRATEGY)
async def enqueue_one(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a message")
    message = _message(fields, key)
    fields.finish()
    assert message is not None
    accepted = await api.client.send_many([message])
    return web.json_response(_accepted_json(accepted[0]), status=202)


@allow(Role.STRATEGY)
async def enqueue_batch(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = Fields(await read_json(request, max_bytes=MAX_BATCH_BYTES))
    items = body.value("messages", required=True)
    if isinstance(items, list) and len(items) > MAX_BATCH:
        raise Problem(413, f"a batch holds at most {MAX_BATCH} messages, not {len(items)}")
    if items is not None and (not isinstance(items, list) or not items):
        body.fail("messages", f"must be an array of 1 to {MAX_BATCH} messages")
    body.finish()
    assert isinstance(items, list)
    messages, problems = [], []
    for index, item in enumerate(items):
        fields = Fields(item, index=index, what="a message")
        message = _message(fields, key)
        problems += fields.done()
        if message is not None and not fields.problems:
            messages.append((index, message))
    if problems:
        found = problems + await _problems_of(api, messages)
        raise Problem.invalid(sorted(found, key=_position))
    try:
        accepted = await api.client.send_many([m for _, m in messages])
    except InvalidRequest as exc:  # for a batch of one it names no index: name it all the same
        problems = [FieldProblem(p.field, p.problem, p.index or 0) for p in exc.problems]
        raise InvalidBatch(problems) from None
    return web.json_response(
        {
            "count": len(accepted),
            "created": sum(a.created for a in accepted),
            "messages": [_accepted_json(a) for a in accepted],
        },
        status=202,
    )


@allow(Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)
async def get_message(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = request.match_info["message_id"]
    row = await api.audit.message(message_id) if MESSAGE_ID.fullmatch(message_id) else None
    if row is None or (key.role is Role.COLLECTOR and not _own(row, key)):
        raise Problem(404, f"no message with id {message_id!r}")
    full = key.role is not Role.STRATEGY
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="message.read", filters={"id": message_id},
            debtor_ref=row.debtor_ref, message_id=message_id, rows=1,
        )  # fmt: skip
    shown = message_json(row._mapping, full=full, verdict="full", locale=request_locale(request))
    shown["events"] = [event_json(e._mapping, full=full) for e in await api.audit.events(row.id)]
    return web.json_response(shown)


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
    return web.json_response(
        {
            "items": [
                message_json(r._mapping, full=full, verdict="summary", locale=locale) for r in rows
            ],
            "next_cursor": rows[-1].id if more else None,
        }
    )


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
        query.fail("cursor", "not a cursor this API returned")
        return None
    return cursor


def _message(fields: Fields, key: KeyRecord) -> MessageRequest | None:
    """A message request from a JSON object; None (problems in ``fields``) if malformed."""
    values = {
        "channel": fields.text("channel", max_length=16),
        "template": fields.text("template", max_length=100),
        "debtor_ref": fields.text("debtor_ref", max_length=100),
    }
    locale = fields.text("locale", max_length=10, required=False)  # None: the debtor's
    destination, address = _recipient(fields, values["channel"])
    account_ref = fields.text("account_ref", max_length=100, required=False, allow_empty=True)
    idempotency_key = fields.text("idempotency_key", max_length=200, required=False)
    variables = fields.mapping("variables")
    send_after = fields.timestamp("send_after")
    valid_until = fields.timestamp("valid_until")
    campaign = fields.pattern("campaign", CAMPAIGN, required=False, hint=CAMPAIGN_HINT)
    if fields.problems or any(v is None for v in values.values()):
        return None
    text = {k: str(v) for k, v in values.items()}
    return MessageRequest(
        channel=text["channel"], template=text["template"], locale=locale,
        destination=destination or "", debtor_ref=text["debtor_ref"], address=address,
        variables=variables, account_ref=account_ref, idempotency_key=idempotency_key,
        send_after=send_after, valid_until=valid_until, requested_by=f"api:{key.name}",
        campaign=campaign,
    )  # fmt: skip


def _recipient(fields: Fields, channel: str | None) -> tuple[str | None, dict[str, Any] | None]:
    """Texts and calls go to ``destination`` (a phone number); letters and visits to ``address``.

    The address's own fields are checked with the rest of the request (``requests``).
    """
    phone = channel in PHONE_CHANNELS
    postal = channel in (ChannelKind.LETTER, ChannelKind.VISIT)
    destination = fields.text("destination", max_length=64, required=phone)
    address = fields.value("address", required=postal)
    if address is not None and not isinstance(address, dict):
        fields.fail("address", "must be an object with name, lines, country and postal_code")
        address = None
    if postal and destination is not None:
        fields.fail("destination", "letters and visits go to their address: leave it out")
    if phone and address is not None:
        fields.fail("address", "only letters and visits take an address")
    return destination, address


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
        return [FieldProblem(p.field, p.problem, messages[p.index or 0][0]) for p in exc.problems]
    return []


def _position(problem: FieldProblem) -> tuple[int, str]:
    return (problem.index or 0, problem.field)


def _own(row: Any, key: KeyRecord) -> bool:
    """A collector's own: what they asked for, a call they place, a visit they are on."""
    mine = f"api:{key.name}"
    asked = row.requested_by == mine or row.requested_by.startswith(mine + "#")
    return asked or row.collector_id == key.name or key.name in (row.collector_ids or ())


def _accepted_json(accepted: Accepted) -> dict[str, Any]:
    return {
        "id": accepted.message_id,
        "idempotency_key": accepted.idempotency_key,
        "created": accepted.created,
        "status": str(accepted.status),
        "scheduled_for": accepted.scheduled_for.isoformat(),
    }
