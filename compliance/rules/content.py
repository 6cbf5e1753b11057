"""Content the law requires in a message, per pack and channel (e.g. Reg F: every text
says how to opt out, "Reply STOP"). Checked on the rendered text, at send time."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from compliance.gate import CheckSubject
from compliance.packs import ContentRule, PackError, PackSet, load_packs
from compliance.verdict import RuleResult

__all__ = ["RequiredContentRule", "missing_phrases"]


class RequiredContentRule:
    id = "content.required"
    citation = "Required content of the debtor's rule packs (12 CFR 1006.6(e))"
    citations = (("zh-CN", "债务人适用规则包要求的必备内容（12 CFR 1006.6(e)）"),)
    checks_content = True  # skipped when explaining a contact that has no message yet

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        if subject.body is None:
            return RuleResult.allow(
                self.id, self.citation, "no content (blocked elsewhere)",
                code="content.nothing_rendered",
            )  # fmt: skip
        try:
            packs = self.pack_loader(subject.packs)
        except PackError as exc:
            return RuleResult.block(
                self.id, self.citation, f"no rule packs: {exc}",
                code="packs.unavailable", params={"error": str(exc)},
            )  # fmt: skip
        required = [
            (rule, phrase)
            for rule in packs.content(subject.channel)
            for phrase in rule.must_contain
        ]
        missing = missing_phrases(packs, subject.channel, subject.body)
        inputs: dict[str, Any] = {"packs": list(packs.ids), "required": [p for _, p in required]}
        if not missing:
            return RuleResult.allow(self.id, self.citation, **inputs)
        rule, phrase = missing[0]
        return RuleResult.block(
            self.id,
            rule.citation,
            f"{rule.ref}: the text must contain {phrase!r} ({rule.title})",
            citations=dict(rule.citations),
            code="content.missing_phrase",
            params={"rule": rule.ref, "phrase": phrase},
            **inputs,
            missing=[p for _, p in missing],
        )


def missing_phrases(packs: PackSet, channel: str, body: str) -> list[tuple[ContentRule, str]]:
    """The phrases the packs require on ``channel`` that ``body`` lacks (case, width and
    spacing folded), each with its rule. Also what approving a template checks."""
    text = _folded(body)
    return [
        (rule, phrase)
        for rule in packs.content(channel)
        for phrase in rule.must_contain
        if _folded(phrase) not in text
    ]


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
