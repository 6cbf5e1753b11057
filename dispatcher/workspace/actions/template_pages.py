"""Templates for compliance: every version with its approval; one template's text, the
diff against the approved version, a preview with sample variables and what the civility
filter finds in it; approving the version in use (compliance only), with a reason and a
confirm step. Approval runs the same checks and records the same decision as
``POST /v1/templates/approvals``."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from compliance.approval_checks import ApprovalFinding, approval_findings
from compliance.civility import CivilityScanner, Finding
from dispatcher.contactlog.approvals import ApprovalDecision
from dispatcher.enqueue.template_problems import render_problem
from dispatcher.errors import FieldProblem
from dispatcher.i18n import Translator
from dispatcher.workspace.access.guard import NotFound, Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.actions.template_texts import (
    TemplateTexts,
    approved_before,
    diff_lines,
    source_of,
)
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.forms import Form, confirm_first
from dispatcher.workspace.problem_texts import problem_text, shown_params
from dispatcher.workspace.rendering import render
from templates import TemplateRenderError, UnknownTemplate
from templates.catalog import TemplateInfo

__all__ = ["REVIEWERS", "approve", "template_list", "template_page"]

REVIEWERS = (PersonRole.COMPLIANCE, PersonRole.SUPERVISOR, PersonRole.ADMIN)


@functools.cache
def _scanner() -> CivilityScanner:
    return CivilityScanner.from_lexicons()


@requires(*REVIEWERS)
async def template_list(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    workspace = request.app[WORKSPACE]
    deps = workspace.api.deps
    await deps.approvals.refresh()
    infos = deps.catalog.list()
    await TemplateTexts(deps.log.engine, deps.clock).remember(deps.catalog, infos)
    register = deps.catalog.approvals
    items = [
        (info, register.find(info.channel, info.name, info.locale, info.version)) for info in infos
    ]
    return render(request, viewer, "templates.html", {"items": items})


@requires(*REVIEWERS)
async def template_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return await _page(request, viewer, sample=dict(request.query))


@requires(PersonRole.COMPLIANCE)
async def approve(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    data: Any = await request.post()
    info = await _info(request)
    sample = {v: str(data.get(f"var.{v}", "")) for v in sorted(info.required_variables)}
    form = Form(data, viewer)
    reason = form.text("reason")
    deps = request.app[WORKSPACE].api.deps
    findings = approval_findings(
        deps.catalog, _scanner(), channel=info.channel, name=info.name, locale=info.locale,
        sample_variables=sample, max_sms_segments=deps.settings.sms_max_segments,
    )  # fmt: skip
    if findings or not form.ok:
        return await _page(
            request, viewer, sample=sample, refusals=[_finding(f, viewer.t) for f in findings],
            problems=form.problems, status=422,
        )  # fmt: skip
    assert reason is not None
    path = _path(info)
    asked = confirm_first(
        request, viewer, data, back=path,
        summary=viewer.t("workspace.templates.confirm", template=_label(info),
                         version=info.version, reason=reason),
    )  # fmt: skip
    if asked is not None:
        return asked
    await deps.approvals.decide(
        ApprovalDecision(
            info.channel, info.locale, info.name, info.version, True,
            by=viewer.person.label, reason=reason,
        )
    )  # fmt: skip
    raise web.HTTPSeeOther(f"{path}?approved=1")


async def _page(
    request: web.Request,
    viewer: Viewer,
    *,
    sample: dict[str, str],
    refusals: list[str] | None = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    workspace = request.app[WORKSPACE]
    deps = workspace.api.deps
    await deps.approvals.refresh()
    info = await _info(request)
    texts = TemplateTexts(deps.log.engine, deps.clock)
    await texts.remember(deps.catalog, [info])
    current = source_of(deps.catalog, info) or ""
    approved = approved_before(deps.catalog, info)
    diff, approved_text_missing = [], False
    if approved is not None and approved.version != info.version:
        old = await texts.text(info.channel, info.locale, info.name, approved.version)
        if old is None:
            approved_text_missing = True
        else:
            diff = diff_lines(old, current, old_label=approved.version, new_label=info.version)
    preview, findings, render_error = None, [], None
    values = {v: sample.get(f"var.{v}", "") for v in sorted(info.required_variables)}
    if any(values.values()):
        try:
            preview = deps.catalog.render(info.channel, info.name, info.locale, values).body
            lawful = info.name in deps.catalog.approvals.lawful_action_templates
            findings = [
                _civility(f, viewer.t) for f in _scanner().scan(preview, lawful_action=lawful)
            ]
        except TemplateRenderError as exc:
            render_error = problem_text(render_problem("variables", exc), viewer.t)
    return render(
        request, viewer, "template.html",
        {"info": info, "label": _label(info), "path": _path(info), "source": current,
         "approved": approved, "diff": diff, "approved_text_missing": approved_text_missing,
         "values": values, "preview": preview, "findings": findings,
         "render_error": render_error, "refusals": refusals or [], "problems": problems or {},
         "may_approve": viewer.holds(PersonRole.COMPLIANCE),
         "just_approved": request.query.get("approved") == "1"},
        status=status,
    )  # fmt: skip


def _finding(finding: ApprovalFinding, t: Translator) -> str:
    """A reason not to approve, in the reader's language, after where it is."""
    coded = FieldProblem(finding.field, finding.problem, code=finding.code, params=finding.params)
    text = problem_text(coded, t, own="workspace.templates.problem")
    head, _, name = finding.field.partition(".")
    if head == "variables":
        key = "finding_variable" if name else "finding_variables"
        return t(f"workspace.templates.{key}", name=name, text=text)
    return t("workspace.templates.finding_template", text=text)


def _civility(found: Finding, t: Translator) -> str:
    """What the civility filter found in the preview, in the reader's language."""
    params = {"phrase": found.phrase, "category": str(found.category)}
    return t(
        "workspace.templates.civility_finding", start=found.start, end=found.end,
        **shown_params(params, t),
    )  # fmt: skip


async def _info(request: web.Request) -> TemplateInfo:
    m = request.match_info
    try:
        return request.app[WORKSPACE].api.deps.catalog.get(m["channel"], m["name"], m["locale"])
    except (UnknownTemplate, TemplateRenderError):
        raise NotFound() from None


def _label(info: TemplateInfo) -> str:
    return f"{info.channel}/{info.locale}/{info.name}"


def _path(info: TemplateInfo) -> str:
    return f"/workspace/templates/{info.channel}/{info.locale}/{info.name}"
