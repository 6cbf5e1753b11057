"""Collectors (admin): who may call and visit, their phone, training and credential.

``PUT /v1/collectors/{collector_id}`` creates or replaces one (a field left out is
cleared; ``active`` defaults to true). A collector's API key is the key whose name is
their collector id: with it they schedule their calls and record their outcomes.

Whether a collector may take a call or a visit is decided once, by early refusal
(``dispatcher/enqueue/early_refusal.py``), and again by the gate at contact time.
"""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.models import collectors as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.models import Collector

__all__ = [
    "collector_id_of",
    "collector_json",
    "get_collector",
    "list_collectors",
    "put_collector",
]

MAX_ID = 100


@allow(Role.ADMIN)
async def put_collector(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    collector_id = collector_id_of(request, missing=422)
    body = await read_body(request, bodies.CollectorRequest)
    await api.deps.log.collectors.upsert(
        collector_id, name=body.name, phone=body.phone, team=body.team,
        trained_on=body.trained_on, credential_expires=body.credential_expires,
        active=body.active is not False,
    )  # fmt: skip
    stored = await api.deps.log.collectors.get(collector_id)
    assert stored is not None
    return shown(collector_json(stored))


@allow(Role.ADMIN)
async def list_collectors(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    everyone = await api.deps.log.collectors.all()
    return shown(bodies.CollectorList(items=[collector_json(c) for c in everyone]))


@allow(Role.ADMIN)
async def get_collector(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    collector_id = collector_id_of(request, missing=404)
    found = await api.deps.log.collectors.get(collector_id)
    if found is None:
        raise _no_collector(collector_id)
    return shown(collector_json(found))


def collector_id_of(request: web.Request, *, missing: int) -> str:
    """The path's collector id; ``missing`` (404 or 422) if it cannot be one."""
    collector_id = request.match_info["collector_id"]
    if not collector_id.strip() or len(collector_id) > MAX_ID or not _storable(collector_id):
        if missing == 404:
            raise _no_collector(collector_id[:MAX_ID])
        raise Problem.field(
            "collector_id", f"a collector id is 1 to {MAX_ID} characters, without NUL",
            code="collector.id.length", params={"max": MAX_ID},
        )  # fmt: skip
    return collector_id


def _no_collector(collector_id: str) -> Problem:
    shown = repr(collector_id)
    return Problem(
        404, f"no collector {shown}", code="unknown_collector", params={"collector_id": shown}
    )


def collector_json(collector: Collector) -> bodies.Collector:
    return bodies.Collector.model_validate(collector, from_attributes=True)


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
