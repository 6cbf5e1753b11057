"""Calls: a collector (or the strategy module, for a named collector) schedules one, lists
their due and upcoming calls, and records a disposition after a call.

A collector key acts as the collector whose id is the key's name: it schedules calls for
that collector only, lists only their calls and records only on their calls. A call is a
voice message (template ``collector_call`` unless named) through the same enqueue path
as every message; ``send_after`` schedules it. Before anything is written the collector
must be known and allowed to work today (trained, active, credential valid): otherwise
422 naming them and why. The compliance gate checks again when the call is placed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from dispatcher.api.auth import PEOPLE, allow
from dispatcher.api.bodies import MAX_BODY_BYTES, Query, read_body, read_raw, refusal
from dispatcher.api.collectors import collector_id_of
from dispatcher.api.context import Api
from dispatcher.api.models import calls as call_bodies
from dispatcher.api.models import messages as message_bodies
from dispatcher.api.models.problems import field_problems, within
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.api.views import mask_phone
from dispatcher.calls_and_visits.dispositions import (
    NotOnTheCall,
    OutcomeConflict,
    Refusal,
    record_disposition,
)
from dispatcher.contactlog.calls import CallWindow, collector_calls
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import Accepted
from dispatcher.domain import ChannelKind
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.errors import FieldProblem, UnknownMessage

__all__ = [
    "accepted_json", "list_calls", "message_id_of", "post_disposition", "refused",
    "schedule_call",
]  # fmt: skip

MESSAGE_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
CURSOR = re.compile(r"(\d{1,17})\.([0-9A-HJKMNP-TV-Z]{26})")
DEFAULT_TEMPLATE = "collector_call"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DISPOSITION_FIELDS = (
    "note", "amount", "currency", "date", "callback_at", "reminder_variables", "preferences",
)  # fmt: skip


@allow(Role.STRATEGY, Role.COLLECTOR)
async def schedule_call(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, call_bodies.CallRequest)
    if key.role is Role.STRATEGY and body.collector_id is None:
        raise Problem.field("collector_id", "is required", code="required")
    if key.role is Role.COLLECTOR and body.collector_id not in (None, key.name):
        raise Problem(
            403, f"a collector key schedules calls for its own collector ({key.name})",
            code="call.schedule_own", params={"name": key.name},
        )  # fmt: skip
    call = MessageRequest(
        channel=ChannelKind.VOICE, template=body.template or DEFAULT_TEMPLATE,
        variables=body.variables or {}, account_ref=body.account_ref,
        idempotency_key=body.idempotency_key, send_after=body.send_after,
        valid_until=body.valid_until, requested_by=f"api:{key.name}",
        collector_id=body.collector_id or key.name, locale=body.locale,  # None: the debtor's
        destination=body.destination, debtor_ref=body.debtor_ref,
    )  # fmt: skip
    accepted = await api.client.send_many([call])
    return web.json_response(accepted_json(accepted[0]), status=202)


@allow(Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)
async def list_calls(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    collector_id = collector_id_of(request, missing=404)
    if key.role is Role.COLLECTOR and collector_id != key.name:
        raise Problem(
            403, f"a collector key lists its own collector's calls ({key.name})",
            code="call.list_own", params={"name": key.name},
        )  # fmt: skip
    query = Query(request)
    window = query.choice("window", tuple(CallWindow)) or CallWindow.DUE
    limit = query.integer("limit", default=50, minimum=1, maximum=500)
    after = _cursor(query)
    query.finish()
    rows = await collector_calls(
        api.deps.log, collector_id, window=CallWindow(window), limit=limit + 1, after=after
    )
    more, rows = len(rows) > limit, rows[:limit]
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="calls.list", rows=len(rows),
            filters={"collector_id": collector_id, "window": str(window), "limit": limit},
        )  # fmt: skip
    full = key.role is not Role.STRATEGY
    items = [call_bodies.Call.model_validate(call_json(m, full=full)) for m in rows]
    return shown(
        call_bodies.CallPage(items=items, next_cursor=_cursor_of(rows[-1]) if more else None)
    )


@allow(Role.COLLECTOR)
async def post_disposition(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = message_id_of(request)
    kind, details, problems = _disposition(await read_raw(request, max_bytes=MAX_BODY_BYTES))
    try:  # every problem at once: the body's with the disposition's own
        recorded = await record_disposition(
            api.deps, message_id, kind=kind, by_collector=key.name, details=details,
            problems=problems,
        )  # fmt: skip
    except NotOnTheCall as exc:
        raise refused(403, exc) from None
    except OutcomeConflict as exc:
        raise refused(409, exc) from None
    follow_ups = [
        message_bodies.Accepted.model_validate(accepted_json(a)) for a in recorded.follow_ups
    ]
    answer = call_bodies.DispositionRecorded(
        message_id=recorded.message_id, disposition=recorded.disposition,
        result=recorded.result, holds=recorded.holds, follow_ups=follow_ups,
    )  # fmt: skip
    return shown(answer)


def _disposition(raw: bytes) -> tuple[str, dict[str, Any], list[FieldProblem]]:
    """The kind, the other fields and the body's problems. A body the model refuses still
    has the fields it did not name checked with the call, so every problem comes at once."""
    try:
        body = call_bodies.DispositionRequest.model_validate_json(raw)
    except ValidationError as exc:
        refused = refusal(exc)
        if refused.status == 400:
            raise refused from None
        problems = field_problems(exc)
        data = json.loads(raw)
        if not isinstance(data, dict):
            return "", {}, problems
        named = [p.field for p in problems]
        kind = data.get("kind")
        fine = {
            name: value for name in DISPOSITION_FIELDS
            if (value := data.get(name)) is not None and not any(within(name, n) for n in named)
        }  # fmt: skip
        return (kind if isinstance(kind, str) and "kind" not in named else ""), fine, problems
    return str(body.kind), body.details(), []


def refused(status: int, refusal: Refusal) -> Problem:
    """A call or visit that takes no outcome, answered by its refusal's code
    (``problems.detail.refusal.<code>``)."""
    code = None if refusal.code is None else f"refusal.{refusal.code}"
    return Problem(status, str(refusal), code=code, params=refusal.params)


def message_id_of(request: web.Request) -> str:
    message_id = request.match_info["message_id"]
    if not MESSAGE_ID.fullmatch(message_id):
        raise UnknownMessage(message_id[:40])
    return message_id


def call_json(message: Message, *, full: bool) -> dict[str, Any]:
    return {
        "id": message.id,
        "debtor_ref": message.debtor_ref,
        "account_ref": message.account_ref,
        "destination": message.destination if full else mask_phone(message.destination),
        "locale": message.locale,
        "template_name": message.template_name,
        "collector_id": message.collector_id,
        "status": message.status,
        "scheduled_for": message.scheduled_for.isoformat(),
        "valid_until": message.valid_until.isoformat(),
        "requested_by": message.requested_by,
    }


def accepted_json(accepted: Accepted) -> dict[str, Any]:
    return {
        "id": accepted.message_id,
        "idempotency_key": accepted.idempotency_key,
        "created": accepted.created,
        "status": str(accepted.status),
        "scheduled_for": accepted.scheduled_for.isoformat(),
    }


def _cursor(query: Query) -> tuple[datetime, str] | None:
    raw = query.text("cursor", max_length=50)
    if raw is None:
        return None
    found = CURSOR.fullmatch(raw)
    if found is None:
        query.fail("cursor", "not a cursor this API returned", "query.cursor")
        return None
    return EPOCH + timedelta(microseconds=int(found[1])), found[2]


def _cursor_of(message: Message) -> str:
    micros = (message.scheduled_for - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{message.id}"
