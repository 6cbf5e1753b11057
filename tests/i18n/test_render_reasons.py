"""A message whose template does not render is blocked with a reason that reads wholly in
the reader's language: the render error travels by its code (``template.*``, the enqueue's
problems catalog), not as the engine's English inside a Chinese sentence."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from compliance import CheckSubject, ComplianceGate
from compliance.rules import RendersWithinLimit
from dispatcher.i18n import explain
from dispatcher.sending.subject import RenderOutcome, render_message
from templates import TemplateCatalog
from tests.i18n.english import english_words

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
VARIABLES = {
    "company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00", "currency": "CNY",
    "due_date": "2026-11-15", "days_overdue": 12, "contact_phone": "400-820-1234",
}  # fmt: skip


def rendered(variables: dict[str, Any], name: str = "overdue_reminder") -> RenderOutcome:
    message = SimpleNamespace(
        channel="sms", template_name=name, locale="zh-CN", variables=variables
    )
    return render_message(TemplateCatalog(), message)  # type: ignore[arg-type]


async def verdict_of(render: RenderOutcome) -> dict[str, Any]:
    subject = CheckSubject(
        message_id="m1", channel="sms", debtor_ref="D-1", account_ref="A-1",
        destination="+8613800138000", locale="zh-CN", template_name="overdue_reminder",
        template_version=None, body=None, render_error=render.error, segments=None, now=NOW,
        facts=None, render_problem=render.problem,  # type: ignore[arg-type]
    )  # fmt: skip
    gate = ComplianceGate([RendersWithinLimit(max_sms_segments=4)])
    return (await gate.evaluate(subject)).to_json()


async def test_a_missing_variable_reads_in_chinese() -> None:
    render = rendered({k: v for k, v in VARIABLES.items() if k != "debtor_name"})
    stored = await verdict_of(render)

    assert stored["decision"] == "block" and stored["code"] == "template.render_problem"
    assert stored["reason"] == f"template did not render: {render.error}"  # English, as raised
    (line,) = explain(stored, "zh-CN", "Asia/Shanghai")
    assert line.startswith("模板渲染：模板无法渲染：缺少变量 'debtor_name'。")
    assert english_words(line) == []  # the rule's own citation too (公司政策：...)
    (english,) = explain(stored, "en-US", "Asia/Shanghai")
    assert "the template could not be rendered: missing variable 'debtor_name'." in english


async def test_a_filter_refusal_reads_in_chinese() -> None:
    stored = await verdict_of(rendered({**VARIABLES, "amount": "abc"}))

    (line,) = explain(stored, "zh-CN", "Asia/Shanghai")
    assert "模板无法渲染：金额：'abc' 不是有效的金额。" in line


async def test_an_unknown_template_reads_in_chinese() -> None:
    stored = await verdict_of(rendered(VARIABLES, name="gone"))

    (line,) = explain(stored, "zh-CN", "Asia/Shanghai")
    assert "模板无法渲染：没有短信模板 'gone'" in line


def test_a_recorded_problem_without_chinese_text_shows_the_recorded_english() -> None:
    stored = {
        "decision": "block", "rule_id": "template.renders_within_limit",
        "rules": [{
            "rule_id": "template.renders_within_limit", "decision": "block",
            "reason": "template did not render: x", "code": "template.render_problem",
            "params": {"problem": {"code": "template.retired", "params": {}}, "error": "x"},
            "citation": "Company policy", "inputs": {},
        }],
    }  # fmt: skip
    assert explain(stored, "zh-CN", None) == [
        "模板渲染：template did not render: x 依据：Company policy"
    ]
