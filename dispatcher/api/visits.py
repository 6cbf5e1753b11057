"""Visits: the strategy module or an operator plans one; a collector on it records how it went.

``POST /v1/visits`` needs two or more different collectors, each known and allowed to
work today (422 naming each one who is not), an address and ``visit_at`` in the future.
The visit goes through the pipeline like any message: the compliance gate checks it at
its time, and its notice is texted to every collector on it.

``POST /v1/visits/{message_id}/outcome``: a collector on the visit (the key's name is
their collector id) records the result, who went, the recording and a note, once.
"""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.calls import accepted_json, message_id_of, refused
from dispatcher.api.context import Api
from dispatcher.api.models import visits as visit_bodies
from dispatcher.api.models.render import shown
from dispatcher.calls_and_visits.dispositions import NotOnTheCall, OutcomeConflict
from dispatcher.calls_and_visits.visits import record_visit_outcome, visit_request
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.domain import MessageStatus

__all__ = ["plan_visit", "visit_outcome"]


@allow(Role.STRATEGY, Role.ADMIN)
async def plan_visit(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, visit_bodies.VisitRequest)
    named = list(dict.fromkeys(body.collector_ids))
    visit = await visit_request(
        api.deps.log, debtor_ref=body.debtor_ref, visit_at=body.visit_at,
        address=body.address.model_dump(exclude_unset=True),
        collector_ids=named, locale=body.locale, variables=body.variables or {},
        account_ref=body.account_ref, idempotency_key=body.idempotency_key,
        requested_by=f"api:{key.name}",
    )  # fmt: skip
    accepted = await api.client.send_many([visit])
    return web.json_response(accepted_json(accepted[0]), status=202)


@allow(Role.COLLECTOR)
async def visit_outcome(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = message_id_of(request)
    body = await read_body(request, visit_bodies.VisitOutcomeRequest)
    preferences = None if body.preferences is None else body.preferences.stated()
    try:
        stored = await record_visit_outcome(
            api.deps.log, message_id, by=key.name, went=body.went, result=body.result,
            recording_ref=body.recording_ref, note=body.note, preferences=preferences,
        )  # fmt: skip
    except NotOnTheCall as exc:
        raise refused(403, exc) from None
    except OutcomeConflict as exc:
        raise refused(409, exc) from None
    outcome = visit_bodies.VisitOutcome(
        message_id=message_id, status=MessageStatus.DELIVERED, result=body.result,
        disposition=stored,
    )  # fmt: skip
    return shown(outcome)
