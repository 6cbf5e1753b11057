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
from dispatcher.api.bodies import Fields, read_json
from dispatcher.api.context import Api
from dispatcher.api.problems import Problem
from dispatcher.contactlog.approvals import ApprovalDecision
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.errors import FieldProblem, InvalidRequest
from templates import TemplateRenderError, UnknownTemplate

__all__ = ["decide_approval", "list_templates", "preview_template"]

EVERYONE = (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN)


@allow(*EVERYONE)
async def list_templates(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    await api.deps.approvals.refresh()
    items = [
        {
            "channel": t.channel,
            "name": t.name,
            "locale": t.locale,
            "version": t.version,
            "required_variables": sorted(t.required_variables),
            "approval": _approval(api, t.channel, t.name, t.locale, t.version),
        }
        for t in api.deps.catalog.list()
    ]
    return web.json_response({"items": items})


@allow(*EVERYONE)
async def preview_template(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    await api.deps.approvals.refresh()
    fields = Fields(await read_json(request), what="a preview request")
    channel = fields.text("channel", max_length=16)
    name = fields.text("template", max_length=100)
    locale = fields.text("locale", max_length=10)
    variables = fields.mapping("variables")
    fields.finish()
    assert channel is not None and name is not None and locale is not None
    try:
        rendered = api.deps.catalog.render(channel, name, locale, variables)
    except UnknownTemplate as exc:
        raise Problem.field("template", str(exc)) from None
    except TemplateRenderError as exc:
        raise Problem.field(f"variables.{exc.variable}" if exc.variable else "variables",
                            exc.problem) from None  # fmt: skip
    max_segments = api.deps.settings.sms_max_segments
    segments = rendered.segments
    counted = None
    if segments is not None:
        counted = {
            "count": segments.segments,
            "encoding": segments.encoding,
            "units": segments.units,
        }
    preview = {
        "channel": channel,
        "template": name,
        "locale": locale,
        "version": rendered.version,
        "body": rendered.body,
        "segments": counted,
        "max_segments": max_segments,
        "fits": segments is None or segments.segments <= max_segments,
        "approval": _approval(api, channel, name, locale, rendered.version),
        "civility": _civility(api, name, rendered.body),
    }
    return web.json_response(preview)


def _approval(api: Api, channel: str, name: str, locale: str, version: str) -> Any:
    found = api.deps.catalog.approvals.find(channel, name, locale, version)
    if found is None:
        return None
    return {
        "approved_by": found.approved_by,
        "approved_on": found.approved_on.isoformat(),
        "lawful_action": found.lawful_action,
        "allowed_after_cease": found.allowed_after_cease,
    }


def _civility(api: Api, name: str, body: str) -> dict[str, Any]:
    """What the civility filter would say of this text when it is sent."""
    lawful = name in api.deps.catalog.approvals.lawful_action_templates
    findings = _scanner().scan(body, lawful_action=lawful)
    return {
        "clean": not findings,
        "lawful_action": lawful,
        "findings": [
            {"phrase": f.phrase, "category": str(f.category), "text": body[f.start : f.end],
             "start": f.start, "end": f.end}
            for f in findings
        ],
    }  # fmt: skip


@allow(Role.COMPLIANCE)
async def decide_approval(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    """Compliance approves the current version of a template, or revokes any version."""
    fields = Fields(await read_json(request), what="an approval")
    channel = fields.text("channel", max_length=16)
    name = fields.text("template", max_length=100)
    locale = fields.text("locale", max_length=10)
    version = fields.text("version", max_length=16)
    approved = fields.value("approved", required=True)
    if approved is not None and not isinstance(approved, bool):
        fields.fail("approved", "must be true (approve) or false (revoke)")
    reason = fields.text("reason", max_length=2000, required=False)
    sample = fields.mapping("variables")  # the sample the approval renders and checks
    if approved is True and "variables" not in fields.data:
        fields.fail("variables", "approving needs sample variables: the text is rendered "
                    "and checked as it would be sent")  # fmt: skip
    fields.finish()
    assert channel is not None and name is not None and locale is not None
    assert version is not None and isinstance(approved, bool)
    try:
        current = api.deps.catalog.get(channel, name, locale)
    except UnknownTemplate as exc:
        raise Problem.field("template", str(exc)) from None
    except TemplateRenderError as exc:
        raise Problem.field("template", exc.problem) from None
    if approved and version != current.version:
        raise Problem.field(
            "version",
            f"{channel}/{locale}/{name} is at version {current.version}: only the version in "
            "use can be approved (it is what compliance read)",
        )
    if approved:
        _refuse_findings(api, channel, name, locale, sample)
    approvals = api.deps.approvals
    await approvals.decide(
        ApprovalDecision(channel, locale, name, version, approved, by=key.label, reason=reason)
    )
    return web.json_response(
        {
            "channel": channel, "template": name, "locale": locale, "version": version,
            "current_version": current.version,
            "approval": _approval(api, channel, name, locale, version),
        },
        status=201,
    )  # fmt: skip


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
        raise InvalidRequest([FieldProblem(f.field, f.problem) for f in findings])


@functools.cache
def _scanner() -> CivilityScanner:
    return CivilityScanner.from_lexicons()
