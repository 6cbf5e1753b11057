"""Only a template version compliance approved may be sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["ApprovedTemplateRule", "ApprovedVersions"]


class ApprovedVersion(Protocol):
    @property
    def approved_by(self) -> str: ...

    @property
    def approved_on(self) -> date: ...


class ApprovedVersions(Protocol):
    """Compliance's register (``templates.approvals.ApprovalRegister``)."""

    def find(
        self, channel: str, name: str, locale: str, version: str
    ) -> ApprovedVersion | None: ...


class ApprovedTemplateRule:
    id = "template.approved"
    citation = "Company policy: every contact is rendered from a template compliance approved"
    citations = (("zh-CN", "公司政策：每次联系均须使用经合规部门批准的模板"),)

    def __init__(self, current: Callable[[], ApprovedVersions]) -> None:
        self.current = current  # the register as it is now (approvals change at run time)

    async def check(self, subject: CheckSubject) -> RuleResult:
        label = f"{subject.channel}/{subject.locale}/{subject.template_name}"
        if subject.template_version is None:
            # Nothing rendered (a failed render, which template.renders_within_limit blocks,
            # or `compliance explain` asking about a debtor without a message).
            return RuleResult.allow(
                self.id, self.citation, code="template.approval_not_checked", checked=False
            )
        found = self.current().find(
            subject.channel, subject.template_name, subject.locale, subject.template_version
        )
        if found is None:
            return RuleResult.block(
                self.id,
                self.citation,
                f"{label} version {subject.template_version} is not approved by compliance",
                code="template.not_approved",
                params={"template": label, "version": subject.template_version},
            )
        return RuleResult.allow(
            self.id,
            self.citation,
            template_version=subject.template_version,
            approved_by=found.approved_by,
            approved_on=found.approved_on.isoformat(),
            code="template.approved",
            params={"approved_by": found.approved_by, "approved_on": found.approved_on.isoformat()},
        )
