"""Emergency pause and resume (admin), and the list of pauses (admin, compliance).

    POST /v1/pause   {"scope": "all" | "channel" | "campaign", "target": ..., "reason": ...}
    POST /v1/resume  {"scope": ..., "target": ..., "reason": ...}

``target`` is the channel ("sms") or the campaign (what follows ``#`` in a message's
``requested_by``; the HTTP API's ``campaign`` field), and absent for "all". Workers see
a pause within half a second; paused messages are deferred and parked until the
resume releases them (``dispatcher.pauses.state``).
"""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Query, read_body
from dispatcher.api.context import Api
from dispatcher.api.models import pauses as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.domain import ChannelKind
from dispatcher.enqueue.requests import CAMPAIGN
from dispatcher.pauses.state import PauseRecord

__all__ = ["list_pauses", "pause", "resume"]


@allow(Role.ADMIN)
async def pause(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, bodies.PauseRequest)
    target = _target(body.scope, body.target)
    record, created = await api.pauses.pause(
        scope=body.scope, target=target, reason=body.reason, by=key.label
    )
    return shown(_pause(record), status=201 if created else 200)


@allow(Role.ADMIN)
async def resume(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, bodies.ResumeRequest)
    target = _target(body.scope, body.target)
    lifted = await api.pauses.resume(
        scope=body.scope, target=target, by=key.label, reason=body.reason
    )
    return shown(bodies.Resumed(lifted=[_pause(p) for p in lifted]))


@allow(Role.ADMIN, Role.COMPLIANCE)
async def list_pauses(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    active_only = query.boolean("active", default=False)
    query.finish()
    pauses = await api.pauses.list(active_only=active_only)
    return shown(bodies.PauseList(items=[_pause(p) for p in pauses]))


def _target(scope: str, target: str | None) -> str | None:
    """The target as the scope wants it: none for all, a channel, or a campaign's name."""
    if scope == "all" and target is not None:
        raise Problem.field(
            "target", "must be absent when the scope is all", code="pause.target.not_taken"
        )
    if scope == "channel" and target not in tuple(ChannelKind):
        known = ", ".join(sorted(ChannelKind))
        raise Problem.field(
            "target", f"unknown {target!r}; known: {known}", code="unknown_choice",
            params={"value": repr(target), "known": known},
        )  # fmt: skip
    if scope == "campaign" and (target is None or not CAMPAIGN.fullmatch(target)):
        raise Problem.field("target", "must be a campaign name", code="pause.target.campaign")
    return target


def _pause(record: PauseRecord) -> bodies.Pause:
    return bodies.Pause.model_validate(record, from_attributes=True)
