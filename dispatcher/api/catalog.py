"""Templates: list them with their approval, and preview a render with sample variables
and what the civility filter says of it. Approving a version renders it with the sample
variables given and runs the civility and required-content checks: any finding refuses."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from compliance.approval_checks import approval_findings
from compliance.civility import CivilityScanner
from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.models import templates as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.approvals import ApprovalDecision
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.enqueue.template_problems import render_problem, unknown_template_problem
from dispatcher.errors import FieldProblem, InvalidRequest
from templates import TemplateRenderError, UnknownTemplate

__all__ = ["decide_approval", "list_templates", "preview_template"]

EVERYONE = (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN)


@allow(*EVERYONE)
async def list_templates(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    await api.deps.approvals.refresh()
    items = [
        bodies.Template(
            channel=t.channel, name=t.name, locale=t.locale, version=t.version,
            required_variables=sorted(t.required_variables),
            approval=_approval(api, t.channel, t.name, t.locale, t.version),
        )
        for t in api.deps.catalog.list()
    ]  # fmt: skip
    return shown(bodies.TemplateList(items=items))


@allow(*EVERYONE)
async def preview_template(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    await api.deps.approvals.refresh()
    asked = await read_body(request, bodies.PreviewRequest)
    channel, name, locale = asked.channel, asked.template, asked.locale
    try:
        rendered = api.deps.catalog.render(channel, name, locale, asked.variables or {})
    except UnknownTemplate as exc:
        raise Problem.invalid([unknown_template_problem("template", exc)]) from None
    except TemplateRenderError as exc:
        where = f"variables.{exc.variable}" if exc.variable else "variables"
        raise Problem.invalid([render_problem(where, exc)]) from None
    max_segments = api.deps.settings.sms_max_segments
    segments = rendered.segments
    preview = bodies.Preview(
        channel=channel, template=name, locale=locale, version=rendered.version,
        body=rendered.body, max_segments=max_segments,
        segments=None if segments is None else bodies.Segments(
            count=segments.segments, encoding=segments.encoding, units=segments.units
        ),
        fits=segments is None or segments.segments <= max_segments,
        approval=_approval(api, channel, name, locale, rendered.version),
        civility=_civility(api, name, rendered.body),
    )  # fmt: skip
    return shown(preview)


def _approval(
    api: Api, channel: str, name: str, locale: str, version: str
) -> bodies.Approval | None:
    found = api.deps.catalog.approvals.find(channel, name, locale, version)
    return None if found is None else bodies.Approval.model_validate(found, from_attributes=True)


def _civility(api: Api, name: str, body: str) -> bodies.Civility:
    """What the civility filter would say of this text when it is sent."""
    lawful = name in api.deps.catalog.approvals.lawful_action_templates
    findings = _scanner().scan(body, lawful_action=lawful)
    return bodies.Civility(
        clean=not findings,
        lawful_action=lawful,
        findings=[
            bodies.Finding(phrase=f.phrase, category=str(f.category), text=body[f.start : f.end],
                           start=f.start, end=f.end)
            for f in findings
        ],
    )  # fmt: skip


@allow(Role.COMPLIANCE)
async def decide_approval(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    """Compliance approves the current version of a template, or revokes any version."""
    asked = await read_body(request, bodies.ApprovalRequest)
    channel, name, locale, version = asked.channel, asked.template, asked.locale, asked.version
    if asked.approved and asked.variables is None:
        needs = FieldProblem(
            "variables",
            "approving needs sample variables: the text is rendered and checked as it would be "
            "sent",
            code="template.approval.needs_sample",
        )
        raise Problem.invalid([needs])
    try:
        current = api.deps.catalog.get(channel, name, locale)
    except UnknownTemplate as exc:
        raise Problem.invalid([unknown_template_problem("template", exc)]) from None
    except TemplateRenderError as exc:
        raise Problem.invalid([render_problem("template", exc)]) from None
    if asked.approved and version != current.version:
        label = f"{channel}/{locale}/{name}"
        stale = FieldProblem(
            "version",
            f"{label} is at version {current.version}: only the version in "
            "use can be approved (it is what compliance read)",
            code="template.approval.not_current",
            params={"label": label, "current": current.version},
        )
        raise Problem.invalid([stale])
    if asked.approved:
        _refuse_findings(api, channel, name, locale, asked.variables or {})
    await api.deps.approvals.decide(
        ApprovalDecision(
            channel, locale, name, version, asked.approved, by=key.label, reason=asked.reason
        )
    )
    decided = bodies.ApprovalDecided(
        channel=channel, template=name, locale=locale, version=version,
        current_version=current.version, approval=_approval(api, channel, name, locale, version),
    )  # fmt: skip
    return shown(decided, status=201)


def _refuse_findings(
    api: Api, channel: str, name: str, locale: str, sample: dict[str, Any]
) -> None:
    """422 listing every finding when the version cannot be approved: it does not render
    in the sandbox with the sample, trips the civility filter or lacks required content."""
    findings = approval_findings(
        api.deps.catalog, _scanner(), channel=channel, name=name, locale=locale,
        sample_variables=sample, max_sms_segments=api.deps.settings.sms_max_segments,
    )  # fmt: skip
    if findings:
        raise InvalidRequest(
            [FieldProblem(f.field, f.problem, code=f.code, params=f.params) for f in findings]
        )


@functools.cache
def _scanner() -> CivilityScanner:
    return CivilityScanner.from_lexicons()
