"""Compliance's register of approved template versions, and the marks it gives them.

A template may be sent only in a version compliance approved: the version is the hash
of the template file, so editing a template withdraws its approval until compliance
approves the new text. The register is data (``templates/approvals.toml``), reviewed
like code. Besides approval, compliance marks templates that:

- describe a lawful, intended action (``lawful_action``): the civility filter lets
  through words such as 起诉 or "lawsuit" only there;
- may still go after a cease-communication request (``allowed_after_cease``): the
  letter confirming that collection stops (12 CFR 1006.6(c)).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from templates.catalog import TemplateInfo

__all__ = ["DEFAULT_REGISTER", "Approval", "ApprovalRegister", "approve_all"]

DEFAULT_REGISTER = Path(__file__).with_name("approvals.toml")


@dataclass(frozen=True)
class Approval:
    channel: str
    locale: str
    name: str
    version: str
    approved_by: str
    approved_on: date
    lawful_action: bool = False
    allowed_after_cease: bool = False

    @property
    def label(self) -> str:
        return f"{self.channel}/{self.locale}/{self.name}"


class ApprovalRegister:
    def __init__(self, approvals: list[Approval]) -> None:
        self._by_key = {(a.channel, a.locale, a.name, a.version): a for a in approvals}
        self.approvals = approvals

    @classmethod
    def load(cls, path: Path = DEFAULT_REGISTER) -> ApprovalRegister:
        with path.open("rb") as f:
            data = tomllib.load(f)
        return cls([_approval(entry, i, path) for i, entry in enumerate(data.get("approved", []))])

    def find(self, channel: str, name: str, locale: str, version: str) -> Approval | None:
        return self._by_key.get((channel, locale, name, version))

    @property
    def lawful_action_templates(self) -> frozenset[str]:
        return frozenset(a.name for a in self.approvals if a.lawful_action)

    @property
    def allowed_after_cease(self) -> frozenset[str]:
        return frozenset(a.name for a in self.approvals if a.allowed_after_cease)


def _approval(entry: dict[str, Any], index: int, path: Path) -> Approval:
    try:
        channel, locale, name = str(entry["template"]).split("/")
        return Approval(
            channel=channel,
            locale=locale,
            name=name,
            version=str(entry["version"]),
            approved_by=str(entry["approved_by"]),
            approved_on=entry["approved_on"],
            lawful_action=bool(entry.get("lawful_action", False)),
            allowed_after_cease=bool(entry.get("allowed_after_cease", False)),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: approved[{index}] is malformed: {exc}") from None


def approve_all(
    register: ApprovalRegister, current: list[TemplateInfo], *, by: str, on: date
) -> str:
    """The register's text with every current template version approved by ``by``.

    Marks carry over from an earlier approved version of the same template. For
    compliance's own use (``dispatcher compliance approve --by NAME``): the result is
    reviewed and committed like code.
    """
    marks = {(a.channel, a.locale, a.name): a for a in register.approvals}
    entries = []
    for info in current:
        key = (info.channel, info.locale, info.name)
        found = register.find(info.channel, info.name, info.locale, info.version)
        earlier = marks.get(key)
        entries.append(
            found
            or Approval(
                channel=info.channel,
                locale=info.locale,
                name=info.name,
                version=info.version,
                approved_by=by,
                approved_on=on,
                lawful_action=earlier.lawful_action if earlier else False,
                allowed_after_cease=earlier.allowed_after_cease if earlier else False,
            )
        )
    return HEADER + "".join(_entry_text(a) for a in entries)


HEADER = """\
# Compliance's register of approved template versions (see templates/approvals.py).
# A template file whose text changes gets a new version and is not sent until the new
# version is approved here. `dispatcher compliance approvals` shows what is missing.

"""


def _entry_text(a: Approval) -> str:
    return (
        f'[[approved]]\ntemplate = "{a.label}"\nversion = "{a.version}"\n'
        f'approved_by = "{a.approved_by}"\napproved_on = {a.approved_on.isoformat()}\n'
        f"lawful_action = {str(a.lawful_action).lower()}\n"
        f"allowed_after_cease = {str(a.allowed_after_cease).lower()}\n\n"
    )
