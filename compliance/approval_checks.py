"""What a template version must pass before compliance can approve it.

Approval reads the text a debtor would get, so it checks what the gate would check when
a message is sent: the template renders in the sandbox with its sample variables (and a
text fits the segment limit), the civility filter finds nothing, and the text carries
what the packs of its locale's country require ("Reply STOP" for en-US under Reg F).
Each finding names where it is (``variables.amount``, ``template``), so a refusal lists
every finding at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compliance.civility import CivilityScanner
from compliance.packs import PackError, load_packs, packs_for
from compliance.rules.content import missing_phrases
from templates import TemplateCatalog, TemplateRenderError

__all__ = ["ApprovalFinding", "approval_findings"]


@dataclass(frozen=True)
class ApprovalFinding:
    field: str  # "variables.amount" (the sample does not render), "template" (the text)
    problem: str  # English
    # Its key in the problems.field catalogs (``template.approval.*``) and what it names:
    # people read a finding in their own language.
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def approval_findings(
    catalog: TemplateCatalog,
    scanner: CivilityScanner,
    *,
    channel: str,
    name: str,
    locale: str,
    sample_variables: Mapping[str, object],
    max_sms_segments: int,
) -> list[ApprovalFinding]:
    """Every reason not to approve the current version of the template (empty: none)."""
    try:
        rendered = catalog.render(channel, name, locale, sample_variables)
    except TemplateRenderError as exc:
        return [_not_rendered(exc)]
    problems: list[ApprovalFinding] = []
    segments = rendered.segments
    if segments is not None and segments.segments > max_sms_segments:
        problems.append(ApprovalFinding(
            "template", f"the sample text needs {segments.segments} SMS segments; "
            f"the limit is {max_sms_segments}", "template.approval.too_many_segments",
            {"segments": segments.segments, "limit": max_sms_segments},
        ))  # fmt: skip
    lawful = name in catalog.approvals.lawful_action_templates
    for found in scanner.scan(rendered.body, lawful_action=lawful):
        problems.append(ApprovalFinding(
            "template", f"civility: {found.describe()}", "template.approval.civility",
            {"phrase": repr(found.phrase), "category": str(found.category),
             "start": found.start, "end": found.end},
        ))  # fmt: skip
    for rule, phrase in _required(channel, locale, rendered.body):
        problems.append(ApprovalFinding(
            "template", f"content.required: {rule}: the text must contain {phrase!r}",
            "template.approval.required_phrase", {"rule": rule, "phrase": repr(phrase)},
        ))  # fmt: skip
    return problems


def _not_rendered(exc: TemplateRenderError) -> ApprovalFinding:
    """The sample does not render: by the render's own code where it has one (the enqueue
    names it alike: ``template.<code>``), else in the engine's words."""
    where = f"variables.{exc.variable}" if exc.variable else "variables"
    problem = f"does not render in the sandbox: {exc.problem}"
    if exc.code is not None:
        return ApprovalFinding(where, problem, f"template.{exc.code}", dict(exc.params))
    return ApprovalFinding(where, problem, "template.render_failed", {"message": exc.problem})


def _required(channel: str, locale: str, body: str) -> list[tuple[str, str]]:
    """What the packs of the locale's country require and the text lacks."""
    country = locale.partition("-")[2]
    try:
        packs = load_packs(packs_for(country, None)) if country else None
    except PackError:
        packs = None  # no default packs for the country: nothing known to require
    if packs is None:
        return []
    return [(rule.ref, phrase) for rule, phrase in missing_phrases(packs, channel, body)]
