"""Collectors (admin): who may call and visit, their phone, training and credential.

``PUT /v1/collectors/{collector_id}`` creates or replaces one (a field left out is
cleared; ``active`` defaults to true). A collector's API key is the key whose name is
their collector id: with it they schedule their calls and record their outcomes.

``credential_problems`` is the up-front check calls and visits make before anything is
written: an unknown collector, or one who may not work today, is refused with a 422
naming them. The worker's compliance gate checks again at contact time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiohttp import web

from compliance import CollectorFact
from compliance.rules.collectors import credential_problem
from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.models import collectors as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.models import Collector
from dispatcher.errors import FieldProblem

__all__ = [
    "collector_id_of",
    "collector_json",
    "credential_problems",
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
        raise Problem(404, f"no collector {collector_id!r}")
    return shown(collector_json(found))


def collector_id_of(request: web.Request, *, missing: int) -> str:
    """The path's collector id; ``missing`` (404 or 422) if it cannot be one."""
    collector_id = request.match_info["collector_id"]
    if not collector_id.strip() or len(collector_id) > MAX_ID or not _storable(collector_id):
        problem = f"a collector id is 1 to {MAX_ID} characters, without NUL"
        if missing == 404:
            raise Problem(404, f"no collector {collector_id[:MAX_ID]!r}")
        raise Problem.field("collector_id", problem)
    return collector_id


async def credential_problems(
    api: Api, named: Sequence[tuple[str, str]], *, on: date | None = None
) -> list[FieldProblem]:
    """Why each ``(field, collector_id)`` may not call or visit on ``on`` (default: today)."""
    today = on or api.deps.clock.now().date()
    problems = []
    for field, collector_id in named:
        found = await api.deps.log.collectors.get(collector_id)
        if found is None:
            problems.append(FieldProblem(field, f"unknown collector {collector_id!r}"))
            continue
        fact = CollectorFact(
            found.collector_id, found.name, found.active, found.trained_on,
            found.credential_expires,
        )  # fmt: skip
        why = credential_problem(fact, on=today)
        if why is not None:
            problems.append(FieldProblem(field, why))
    return problems


def collector_json(collector: Collector) -> bodies.Collector:
    return bodies.Collector.model_validate(collector, from_attributes=True)


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
