"""A debtor's page: their time line, holds and accounts; letters' PDFs; setting and
lifting holds (compliance, supervisors). Every view of a debtor's page is in the access
log (``debtor.read``); a debtor the person may not see is answered 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from compliance.packs import RISK_FLAGS
from compliance.rules import HOLD_KINDS
from dispatcher.contactlog.models import Message
from dispatcher.domain import ChannelKind
from dispatcher.workspace.access.assignments import Assignments
from dispatcher.workspace.access.guard import NotFound, Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE, Workspace
from dispatcher.workspace.debtor.flags import CHANGES, MAY, FlagNotSet, flags_of, role_for
from dispatcher.workspace.debtor.timeline import letter_pdf, load_debtor
from dispatcher.workspace.forms import Form, confirm_first
from dispatcher.workspace.rendering import render, term

__all__ = [
    "change_flag", "change_hold", "debtor_page", "letter_file", "letters_root", "show_debtor",
    "visible",
]  # fmt: skip

# Who may set and lift holds from the workspace (the API: compliance keys).
HOLD_KEEPERS = (PersonRole.COMPLIANCE, PersonRole.SUPERVISOR)
_DONE = ("hold_set", "hold_lift", "flag_set", "flag_clear", "flag_review")


def letters_root(workspace: Workspace) -> Any:
    settings = workspace.api.deps.settings
    return settings.print_room_dir or settings.data_dir / "print-room"


async def visible(workspace: Workspace, viewer: Viewer, debtor_ref: str) -> None:
    assignments = Assignments(workspace.api.deps.log.engine, workspace.api.deps.clock)
    if not await assignments.may_see(viewer.person, debtor_ref):
        raise NotFound()


@requires()
async def debtor_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    done = request.query.get("done")
    return await show_debtor(
        request, viewer, request.match_info["debtor_ref"], done=done if done in _DONE else None
    )


async def show_debtor(
    request: web.Request,
    viewer: Viewer,
    debtor_ref: str,
    *,
    problems: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    workspace = request.app[WORKSPACE]
    await visible(workspace, viewer, debtor_ref)
    found = await load_debtor(
        workspace.api.deps.log.engine, debtor_ref, locale=viewer.locale,
        letters_root=letters_root(workspace),
    )  # fmt: skip
    if found is None:
        raise NotFound()
    await workspace.api.audit.record_read(
        reader=viewer.person.label, action="debtor.read", debtor_ref=debtor_ref,
        filters={"page": "workspace.debtor"}, rows=len(found.entries),
    )  # fmt: skip
    return render(
        request, viewer, "debtor.html",
        {"file": found, "hold_kinds": sorted(HOLD_KINDS), "channels": list(ChannelKind),
         "flags": (await flags_of(workspace.api.deps.log.engine, [debtor_ref])).get(debtor_ref, []),
         "risk_flags": RISK_FLAGS,
         "flag_actions": [a for a, roles in MAY.items() if viewer.holds(*roles)],
         "may_hold": viewer.holds(*HOLD_KEEPERS), "problems": problems or {}, "done": done,
         "debtor_path": f"/workspace/debtors/{quote(debtor_ref, safe='')}"},
        status=status,
    )  # fmt: skip


@requires(*HOLD_KEEPERS)
async def change_hold(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Set or lift a hold on the whole debtor (one channel, or all), with a reason."""
    debtor_ref = request.match_info["debtor_ref"]
    workspace = request.app[WORKSPACE]
    await visible(workspace, viewer, debtor_ref)
    data: Any = await request.post()
    form = Form(data, viewer)
    action = form.choice("action", ("set", "lift"))
    kind = form.choice("kind", sorted(HOLD_KINDS))
    channel = form.choice("channel", list(ChannelKind), required=False)
    reason = form.text("reason")
    if not form.ok:
        return await show_debtor(request, viewer, debtor_ref, problems=form.problems, status=422)
    assert action and kind and reason
    t = viewer.t
    what = t("workspace.holds.scope_all") if channel is None else channel
    back = f"/workspace/debtors/{quote(debtor_ref, safe='')}"
    asked = confirm_first(
        request, viewer, data, back=back, danger=action == "lift",
        summary=t(f"workspace.holds.confirm_{action}", kind=term(viewer.locale, "kind", kind),
                  debtor=debtor_ref, channel=what, reason=reason),
    )  # fmt: skip
    if asked is not None:
        return asked
    log = workspace.api.deps.log
    if action == "set":
        await log.add_hold(
            kind=kind, debtor_ref=debtor_ref, channel=channel, set_by=viewer.person.label,
            source="workspace", reason=reason,
        )  # fmt: skip
    else:
        await log.lift_hold(
            kind=kind, debtor_ref=debtor_ref, channel=channel, lifted_by=viewer.person.label
        )
    # The hold row keeps who and when; the reason for lifting it is kept here.
    await workspace.api.audit.record_read(
        reader=viewer.person.label, action=f"hold.{action}", debtor_ref=debtor_ref,
        filters={"kind": kind, "channel": channel, "reason": reason},
    )  # fmt: skip
    raise web.HTTPSeeOther(f"{back}?done=hold_{action}")


@requires(*MAY["set"], *MAY["review"])
async def change_flag(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Set, clear or review a risk flag on the debtor, with a reason."""
    debtor_ref = request.match_info["debtor_ref"]
    workspace = request.app[WORKSPACE]
    await visible(workspace, viewer, debtor_ref)
    data: Any = await request.post()
    form = Form(data, viewer)
    action = form.choice("flag_action", tuple(MAY))
    flag = form.choice("flag", RISK_FLAGS)
    reason = form.text("flag_reason")
    if action is not None and not viewer.holds(*MAY[action]):
        form.problems["flag_action"] = viewer.t("workspace.errors.forbidden")
    if not form.ok:
        return await show_debtor(request, viewer, debtor_ref, problems=form.problems, status=422)
    assert action and flag and reason
    back = f"/workspace/debtors/{quote(debtor_ref, safe='')}"
    asked = confirm_first(
        request, viewer, data, back=back, danger=action == "clear",
        summary=viewer.t(f"workspace.flags.confirm_{action}", debtor=debtor_ref, reason=reason,
                         flag=viewer.t(f"reasons.term.flag.{flag}")),
    )  # fmt: skip
    if asked is not None:
        return asked
    try:
        await CHANGES[action](
            workspace.api.deps.log.engine, debtor_ref, flag, reason=reason,
            actor=viewer.person.label, role=role_for(viewer, action),
            at=workspace.api.deps.clock.now(),
        )  # fmt: skip
    except FlagNotSet:
        raise NotFound() from None
    raise web.HTTPSeeOther(f"{back}?done=flag_{action}")


@requires()
async def letter_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The PDF the print room stored for a letter (when the letter channel stores one)."""
    workspace = request.app[WORKSPACE]
    async with workspace.api.deps.log.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Message.__table__).where(Message.id == request.match_info["message_id"])
            )
        ).first()
    if row is None:
        raise NotFound()
    await visible(workspace, viewer, row.debtor_ref)
    path = letter_pdf(row, letters_root(workspace))
    if path is None:
        raise NotFound()
    await workspace.api.audit.record_read(
        reader=viewer.person.label, action="letter.read", debtor_ref=row.debtor_ref,
        message_id=row.id, filters={},
    )  # fmt: skip
    return web.FileResponse(
        path, headers={"Content-Type": "application/pdf", "Cache-Control": "no-store"}
    )
