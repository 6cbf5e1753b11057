"""A message goes out only if its template rendered cleanly and fits the channel."""

from __future__ import annotations

from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["RendersWithinLimit"]


class RendersWithinLimit:
    id = "template.renders_within_limit"
    checks_content = True  # skipped when explaining a contact that has no message yet
    citation = "Company policy: approved templates only, rendered in full (seed 2.(3))"
    citations = (
        (
            "zh-CN",
            "公司政策：仅使用经批准的模板并完整渲染（《催收项目实施管理办法》二（三））",
        ),
    )

    def __init__(self, *, max_sms_segments: int) -> None:
        self.max_sms_segments = max_sms_segments

    async def check(self, subject: CheckSubject) -> RuleResult:
        problem = subject.render_problem
        if problem is not None:  # the reason reads in the reader's language, by its code
            return RuleResult.block(
                self.id,
                self.citation,
                f"template did not render: {subject.render_error}",
                code="template.render_problem",
                params={
                    "problem": {"code": problem.code, "params": dict(problem.params)},
                    "error": subject.render_error or "",
                },
            )
        if subject.render_error is not None or subject.body is None:
            return RuleResult.block(
                self.id,
                self.citation,
                f"template did not render: {subject.render_error}",
                code="template.render_failed",
                params={"error": subject.render_error or ""},
            )
        if not subject.body.strip():
            return RuleResult.block(
                self.id, self.citation, "rendered message is empty", code="template.empty"
            )
        if subject.segments is not None and subject.segments > self.max_sms_segments:
            return RuleResult.block(
                self.id,
                self.citation,
                f"text needs {subject.segments} SMS segments; the limit is {self.max_sms_segments}",
                segments=subject.segments,
                max_segments=self.max_sms_segments,
                code="template.too_many_segments",
                params={"segments": subject.segments, "max_segments": self.max_sms_segments},
            )
        return RuleResult.allow(self.id, self.citation, segments=subject.segments)
