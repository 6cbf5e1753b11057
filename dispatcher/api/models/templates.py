"""Templates: as listed, previewed with sample variables, and approved by compliance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field

from dispatcher.api.models.base import NOT_BLANK, Body, Reason, Ref, Shown, Text10

__all__ = [
    "Approval", "ApprovalDecided", "ApprovalRequest", "Civility", "Preview", "PreviewRequest",
    "Template", "TemplateList",
]  # fmt: skip

Channel = Annotated[str, Field(min_length=1, max_length=16, pattern=NOT_BLANK)]


class Approval(Shown):
    """A template version's approval by compliance; absent (null): it cannot be sent."""

    approved_by: str
    approved_on: date
    lawful_action: bool
    allowed_after_cease: bool


class Template(Shown):
    channel: str
    name: str
    locale: str
    version: str
    required_variables: list[str]
    approval: Approval | None


class TemplateList(Shown):
    items: list[Template]


class PreviewRequest(Body):
    channel: Channel
    template: Ref
    locale: Text10
    variables: dict[str, Any] | None = None


class Segments(Shown):
    count: int
    encoding: str
    units: int


class Finding(Shown):
    phrase: str
    category: str
    text: str
    start: int
    end: int


class Civility(Shown):
    """What the civility filter would say of the text when it is sent."""

    clean: bool
    lawful_action: bool
    findings: list[Finding]


class Preview(Shown):
    channel: str
    template: str
    locale: str
    version: str
    body: str
    segments: Annotated[Segments | None, Field(description="SMS only")]
    max_segments: int
    fits: bool
    approval: Approval | None
    civility: Civility


class ApprovalRequest(Body):
    """Approve the version in use (with sample variables) or revoke any version."""

    channel: Channel
    template: Ref
    locale: Text10
    version: Annotated[str, Field(min_length=1, max_length=16, pattern=NOT_BLANK)]
    approved: bool
    reason: Reason | None = None
    variables: Annotated[
        dict[str, Any] | None,
        Field(
            description="sample variables (required to approve): the version is rendered "
            "with them in the sandbox and checked for civility and required content; any "
            "finding refuses the approval (422, each finding named)"
        ),
    ] = None


class ApprovalDecided(Shown):
    channel: str
    template: str
    locale: str
    version: str
    current_version: str
    approval: Approval | None
