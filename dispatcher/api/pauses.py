"""Emergency pause and resume (admin), and the list of pauses (admin, compliance).

    POST /v1/pause   {"scope": "all" | "channel" | "campaign", "target": ..., "reason": ...}
    POST /v1/resume  {"scope": ..., "target": ..., "reason": ...}

``target`` is the channel ("sms") or the campaign (what follows ``#`` in a message's
``requested_by``; the HTTP API's ``campaign`` field), and absent for "all". Workers see
a pause within half a second; paused messages are deferred and parked until the
resume releases them (``dispatcher.api.pausestate``).
"""

from __future__ import annotations

from aiohttp import web

from compliance.rules.pause import PAUSE_SCOPES
from dispatcher.api.auth import allow
from dispatcher.api.bodies import Fields, Query, read_json
from dispatcher.api.context import Api
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.domain import ChannelKind
from dispatcher.enqueue.requests import CAMPAIGN

__all__ = ["list_pauses", "pause", "resume"]


@allow(Role.ADMIN)
async def pause(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a pause")
    scope, target = _scope(fields)
    reason = fields.text("reason", max_length=2000)
    fields.finish()
    assert scope is not None and reason is not None
    record, created = await api.pauses.pause(
        scope=scope, target=target, reason=reason, by=key.label
    )
    return web.json_response(record.to_json(), status=201 if created else 200)


@allow(Role.ADMIN)
async def resume(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a resume")
    scope, target = _scope(fields)
    reason = fields.text("reason", max_length=2000, required=False)
    fields.finish()
    assert scope is not None
    lifted = await api.pauses.resume(scope=scope, target=target, by=key.label, reason=reason)
    return web.json_response({"lifted": [p.to_json() for p in lifted]})


@allow(Role.ADMIN, Role.COMPLIANCE)
async def list_pauses(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    active_only = query.boolean("active", default=False)
    query.finish()
    pauses = await api.pauses.list(active_only=active_only)
    return web.json_response({"items": [p.to_json() for p in pauses]})


def _scope(fields: Fields) -> tuple[str | None, str | None]:
    scope = fields.choice("scope", PAUSE_SCOPES)
    if scope == "all":
        if fields.value("target", required=False) is not None:
            fields.fail("target", "must be absent when the scope is all")
        return scope, None
    if scope == "channel":
        return scope, fields.choice("target", tuple(ChannelKind))
    if scope == "campaign":
        return scope, fields.pattern("target", CAMPAIGN, hint="a campaign name")
    fields.value("target", required=False)
    return None, None
