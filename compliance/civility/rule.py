"""No violence, threats, insults, disclosure, false authority or pushed borrowing in a message.

The rendered body is scanned against the civility lexicons. Phrases that are allowed
only for a lawful, intended action (起诉, "lawsuit", "garnish") are allowed in the
templates compliance marked as describing one (``lawful_action_templates``); everything
else blocks, naming each phrase, its category and where it is in the body.
"""

from __future__ import annotations

from compliance.citations import joined
from compliance.civility.scanner import CivilityScanner
from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["CivilityRule"]


class CivilityRule:
    id = "civility.lexicon"
    checks_content = True  # skipped when explaining a contact that has no message yet
    citation = (
        "Company policy: civility (pack org); CBA collection guideline 2026 and "
        "credit-card measures art. 68; 12 CFR 1006.14, 1006.18"
    )
    citations = (
        (
            "zh-CN",
            "公司《催收项目实施管理办法》一（三）：文明催收原则；中国银行业协会催收相关指引（2026年1月"
            "30日）及《商业银行信用卡业务监督管理办法》第六十八条；12 CFR 1006.14、1006.18",
        ),
    )

    def __init__(
        self,
        scanner: CivilityScanner,
        lawful_action_templates: frozenset[str] = frozenset(),
    ) -> None:
        self.scanner = scanner
        self.lawful_action_templates = lawful_action_templates

    async def check(self, subject: CheckSubject) -> RuleResult:
        version = self.scanner.version
        if subject.body is None:  # the render rule blocks it, naming the real problem
            return RuleResult.allow(
                self.id, self.citation, "nothing rendered to check",
                code="civility.nothing_rendered", lexicon_version=version,
            )  # fmt: skip
        lawful_action = subject.template_name in self.lawful_action_templates
        findings = self.scanner.scan(subject.body, lawful_action=lawful_action)
        if not findings:
            return RuleResult.allow(
                self.id, self.citation, lexicon_version=version, lawful_action=lawful_action
            )
        citation, citations = joined((f.citation, f.citations) for f in findings)
        return RuleResult.block(
            self.id,
            citation,
            "forbidden language: " + ", ".join(f.describe() for f in findings),
            code="civility.forbidden",
            params={
                "phrases": [f.phrase for f in findings],
                "categories": list(dict.fromkeys(f.category.value for f in findings)),
            },
            findings=[f.to_json() for f in findings],
            lexicon_version=version,
            lawful_action=lawful_action,
            citations=citations,
        )
