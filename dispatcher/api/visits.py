"""Visits: the strategy module or an operator plans one; a collector on it records how it went.

``POST /v1/visits`` needs two or more different collectors, each known and allowed to
work today (422 naming each one who is not), an address and ``visit_at`` in the future.
The visit goes through the pipeline like any message: the compliance gate checks it at
its time, and its notice is texted to every collector on it.

``POST /v1/visits/{message_id}/outcome``: a collector on the visit (the key's name is
their collector id) records the result, who went, the recording and a note, once.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Fields, read_json
from dispatcher.api.calls import accepted_json, message_id_of
from dispatcher.api.context import Api
from dispatcher.api.problems import Problem
from dispatcher.calls_and_visits.dispositions import NotOnTheCall, OutcomeConflict
from dispatcher.calls_and_visits.visits import VISIT_RESULTS, record_visit_outcome, visit_request
from dispatcher.contactlog.keys import KeyRecord, Role

__all__ = ["plan_visit", "visit_outcome"]

MAX_COLLECTORS = 10


@allow(Role.STRATEGY, Role.ADMIN)
async def plan_visit(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a visit")
    debtor_ref = fields.text("debtor_ref", max_length=100)
    locale = fields.text("locale", max_length=10, required=False)  # None: the debtor's
    address = fields.value("address", required=True)
    if address is not None and not isinstance(address, dict):
        fields.fail("address", "must be an object with name, lines, country, postal_code")
    visit_at = fields.timestamp("visit_at")
    if visit_at is None and not any(p.field == "visit_at" for p in fields.problems):
        fields.fail("visit_at", "is required")
    collector_ids = fields.string_list("collector_ids", max_items=MAX_COLLECTORS, max_length=100)
    if collector_ids is None:
        fields.fail("collector_ids", "is required: two or more collector ids")
    account_ref = fields.text("account_ref", max_length=100, required=False, allow_empty=True)
    idempotency_key = fields.text("idempotency_key", max_length=200, required=False)
    variables = fields.mapping("variables")
    fields.finish()
    assert debtor_ref and visit_at and collector_ids is not None
    named = list(dict.fromkeys(collector_ids))
    visit = await visit_request(
        api.deps.log, debtor_ref=debtor_ref, address=address, visit_at=visit_at,
        collector_ids=named, locale=locale, variables=variables, account_ref=account_ref,
        idempotency_key=idempotency_key, requested_by=f"api:{key.name}",
    )  # fmt: skip
    accepted = await api.client.send_many([visit])
    return web.json_response(accepted_json(accepted[0]), status=202)


@allow(Role.COLLECTOR)
async def visit_outcome(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = message_id_of(request)
    fields = Fields(await read_json(request), what="a visit outcome")
    result = fields.choice("result", tuple(VISIT_RESULTS))
    went = fields.string_list("went", max_items=MAX_COLLECTORS, max_length=100)
    if went is None:
        fields.fail("went", "is required: the collectors who went")
    recording_ref = fields.text("recording_ref", max_length=200, required=False)
    note = fields.text("note", max_length=2000, required=False)
    preferences = fields.value("preferences", required=False)
    if preferences is not None and not isinstance(preferences, dict):
        fields.fail("preferences", "must be an object naming a preference")
        preferences = None
    fields.finish()
    assert result is not None and went is not None
    try:
        stored = await record_visit_outcome(
            api.deps.log, message_id, by=key.name, went=went, result=result,
            recording_ref=recording_ref, note=note, preferences=preferences,
        )  # fmt: skip
    except NotOnTheCall as exc:
        raise Problem(403, str(exc)) from None
    except OutcomeConflict as exc:
        raise Problem(409, str(exc)) from None
    body: dict[str, Any] = {
        "message_id": message_id,
        "status": "delivered",
        "result": result,
        "disposition": stored,
    }
    return web.json_response(body)
