"""Pausing and resuming sending: everything, one channel or one campaign.

Compliance may pause (stopping contact is always safe to do at once); resuming needs a
supervisor or an admin, so that contact starts again only on a second person's word.
Both ask to confirm, need a reason, and go through the same ``PauseStore`` as
``POST /v1/pause`` and ``/v1/resume``: the pauses table records who, when and why.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from compliance.rules.pause import PAUSE_SCOPES
from dispatcher.domain import ChannelKind
from dispatcher.enqueue.requests import CAMPAIGN
from dispatcher.workspace.access.guard import Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.forms import Form, confirm_first
from dispatcher.workspace.rendering import error_page, render, term

__all__ = ["PAUSERS", "RESUMERS", "change_pause", "pauses_page"]

PAUSERS = (PersonRole.COMPLIANCE, PersonRole.SUPERVISOR, PersonRole.ADMIN)
RESUMERS = (PersonRole.SUPERVISOR, PersonRole.ADMIN)
_PAGE = "/workspace/pauses"


@requires(*PAUSERS)
async def pauses_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    done = request.query.get("done")
    return await _page(request, viewer, done=done if done in ("pause", "resume") else None)


async def _page(
    request: web.Request,
    viewer: Viewer,
    *,
    problems: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    pauses = await request.app[WORKSPACE].api.pauses.list(active_only=False, limit=100)
    return render(
        request, viewer, "pauses.html",
        {"active": [p for p in pauses if p.active], "lifted": [p for p in pauses if not p.active],
         "scopes": PAUSE_SCOPES, "channels": list(ChannelKind), "problems": problems or {},
         "may_resume": viewer.holds(*RESUMERS), "done": done},
        status=status,
    )  # fmt: skip


@requires(*PAUSERS)
async def change_pause(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    data: Any = await request.post()
    form = Form(data, viewer)
    action = form.choice("action", ("pause", "resume"))
    scope = form.choice("scope", PAUSE_SCOPES)
    target = _target(form, scope)
    reason = form.text("reason")
    if action == "resume" and not viewer.holds(*RESUMERS):
        return error_page(request, viewer.locale, 403, "workspace.pauses.resume_forbidden")
    if not form.ok:
        return await _page(request, viewer, problems=form.problems, status=422)
    assert action and scope and reason
    shown = term(viewer.locale, "channel", target) if target and scope == "channel" else target
    what = viewer.t(f"workspace.pauses.scope_{scope}") + (f" {shown}" if shown else "")
    asked = confirm_first(
        request, viewer, data, back=_PAGE, danger=action == "resume",
        summary=viewer.t(f"workspace.pauses.confirm_{action}", what=what, reason=reason),
    )  # fmt: skip
    if asked is not None:
        return asked
    pauses = request.app[WORKSPACE].api.pauses
    if action == "pause":
        await pauses.pause(scope=scope, target=target, reason=reason, by=viewer.person.label)
    else:
        await pauses.resume(scope=scope, target=target, by=viewer.person.label, reason=reason)
    raise web.HTTPSeeOther(f"{_PAGE}?done={action}")


def _target(form: Form, scope: str | None) -> str | None:
    if scope == "channel":
        return form.choice("target", list(ChannelKind))
    if scope == "campaign":
        target = form.text("target", max_length=50)
        if target is not None and not CAMPAIGN.fullmatch(target):
            form.problems["target"] = form.t("workspace.pauses.bad_campaign")
        return target
    return None
