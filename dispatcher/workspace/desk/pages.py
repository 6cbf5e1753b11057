"""The collector's desk: due and upcoming calls, the visits they are on, click-to-call and
the disposition form. A call the gate defers or blocks shows why in the collector's
language, with the next allowed time on the debtor's clock.

Click-to-call enqueues a bridged call exactly as ``POST /v1/calls`` does (the collector's
credentials checked at enqueue by ``enqueue/early_refusal.py``, then the pipeline and its
gate); a disposition goes through ``record_disposition``, as
``POST /v1/calls/{id}/disposition`` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from dispatcher.calls_and_visits.dispositions import (
    NotOnTheCall,
    OutcomeConflict,
    record_disposition,
)
from dispatcher.domain import ChannelKind, Disposition
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.errors import InvalidRequest, UnknownMessage
from dispatcher.workspace.access.guard import NotFound, Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.debtor.contacts import debtor_zone
from dispatcher.workspace.debtor.flags import flags_of
from dispatcher.workspace.desk.data import desk_rows
from dispatcher.workspace.desk.problems import field_label, localized_problems, localized_refusal
from dispatcher.workspace.forms import Form
from dispatcher.workspace.rendering import render
from dispatcher.workspace.shown import shown_contact

__all__ = ["call_now", "desk_page", "dispose"]

CALL_TEMPLATE = "collector_call"
_DETAILS = ("note", "amount", "currency", "date", "callback_at")
_REMINDER = ("debtor_name", "contact_phone")


@requires(PersonRole.COLLECTOR)
async def desk_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return await _desk(request, viewer)


async def _desk(
    request: web.Request,
    viewer: Viewer,
    *,
    problems: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> web.Response:
    workspace = request.app[WORKSPACE]
    collector_id = _collector(viewer)
    rows = await desk_rows(workspace.api.deps.log, collector_id)
    await workspace.api.audit.record_read(
        reader=viewer.person.label, action="desk.read", filters={"collector_id": collector_id},
        rows=len(rows.due) + len(rows.upcoming) + len(rows.visits),
    )  # fmt: skip

    def show(row: Any) -> dict[str, Any]:
        return shown_contact(row, viewer.locale, rows.zones[row.debtor_ref])

    collector = await workspace.api.deps.log.collectors.get(collector_id)
    return render(
        request, viewer, "desk.html",
        {"collector_id": collector_id, "collector": collector,
         "due": [show(m) for m in rows.due], "upcoming": [show(m) for m in rows.upcoming],
         "visits": [show(m) for m in rows.visits],
         "to_record": [show(m) for m in rows.to_record],
         "refused": [show(m) for m in rows.refused], "callable": rows.callable,
         "kinds": list(Disposition), "refusal": refusal,
         "problems": {field_label(f, viewer.t): text for f, text in (problems or {}).items()},
         "company_name": workspace.api.deps.settings.workspace_company_name,
         "placed": request.query.get("placed", ""),
         "flag_map": await flags_of(
             workspace.api.deps.log.engine,
             [*rows.zones, *(c.debtor_ref for c in rows.callable)],
         )},
        status=status,
    )  # fmt: skip


@requires(PersonRole.COLLECTOR)
async def call_now(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Call an assigned debtor now: the collector's phone rings, then the debtor's."""
    workspace = request.app[WORKSPACE]
    collector_id = _collector(viewer)
    data: Any = await request.post()
    form = Form(data, viewer)
    target = form.text("target", max_length=200)
    company = form.text("company_name", max_length=200)
    rows = await desk_rows(workspace.api.deps.log, collector_id)
    chosen = next((c for c in rows.callable if f"{c.number}|{c.debtor_ref}" == target), None)
    if target is not None and chosen is None:
        form.problems["target"] = viewer.t("workspace.desk.not_yours")
    if not form.ok or chosen is None:
        return await _desk(request, viewer, problems=form.problems, status=422)
    call = MessageRequest(
        channel=ChannelKind.VOICE, template=CALL_TEMPLATE, destination=chosen.number,
        debtor_ref=chosen.debtor_ref, variables={"company_name": company},
        requested_by=f"workspace:{viewer.person.username}", collector_id=collector_id,
    )  # fmt: skip
    try:  # the collector's credentials are checked there (enqueue/early_refusal.py)
        accepted = (await workspace.api.client.send_many([call]))[0]
    except InvalidRequest as exc:
        found = localized_problems(exc.problems, viewer.t)
        return await _desk(request, viewer, problems=found, status=422)
    raise web.HTTPSeeOther(f"/workspace/desk?placed={accepted.message_id}#m-{accepted.message_id}")


@requires(PersonRole.COLLECTOR)
async def dispose(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Record what came of a call: its disposition, and what it sets in motion."""
    workspace = request.app[WORKSPACE]
    collector_id = _collector(viewer)
    message_id = request.match_info["message_id"]
    data: Any = await request.post()
    form = Form(data, viewer)
    kind = form.choice("kind", list(Disposition))
    details: dict[str, Any] = {
        name: data[name].strip() for name in _DETAILS if str(data.get(name, "")).strip()
    }
    reminder = {
        name: str(data[f"reminder.{name}"]).strip()
        for name in _REMINDER
        if str(data.get(f"reminder.{name}", "")).strip()
    }
    if reminder:  # what the promise's reminder text names
        details["reminder_variables"] = reminder
    if "callback_at" in details:
        details["callback_at"] = await _aware(workspace, message_id, details["callback_at"])
    if not form.ok:
        return await _desk(request, viewer, problems=form.problems, status=422)
    try:
        await record_disposition(
            workspace.api.deps, message_id, kind=kind or "", by_collector=collector_id,
            details=details,
        )  # fmt: skip
    except (NotOnTheCall, UnknownMessage):
        raise NotFound() from None
    except OutcomeConflict as exc:
        return await _desk(request, viewer, refusal=localized_refusal(exc, viewer.t),
                           status=409)  # fmt: skip
    except InvalidRequest as exc:
        found = localized_problems(exc.problems, viewer.t)
        return await _desk(request, viewer, problems=found, status=422)
    raise web.HTTPSeeOther(f"/workspace/desk?recorded={message_id}")


async def _aware(workspace: Any, message_id: str, local: str) -> str:
    """A ``datetime-local`` field's value, read on the debtor's clock."""
    try:
        naive = datetime.fromisoformat(local)
    except ValueError:
        return local  # record_disposition names the field
    if naive.tzinfo is not None:
        return naive.isoformat()
    try:
        message = await workspace.api.deps.log.get(message_id)
    except UnknownMessage:
        return local
    zone = await debtor_zone(workspace.api.deps.log.engine, message.debtor_ref, message.destination)
    return naive.replace(tzinfo=ZoneInfo(zone)).isoformat()


def _collector(viewer: Viewer) -> str:
    if viewer.person.collector_id is None:
        raise NotFound()
    return viewer.person.collector_id
