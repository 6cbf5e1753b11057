"""The civility rule in the compliance gate: its verdicts and what it records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from compliance import CheckSubject, ComplianceGate, ContactFacts, Decision
from compliance.civility import CivilityRule, CivilityScanner


class NoContactLog:
    """The civility rule reads only the message: any question to the contact log fails."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the civility rule asked the contact log for {name!r}")


def subject(body: str | None, template_name: str = "overdue_reminder") -> CheckSubject:
    return CheckSubject(
        message_id="m-1",
        channel="sms",
        debtor_ref="d-1",
        account_ref="a-1",
        destination="+8613800000000",
        locale="zh-CN",
        template_name=template_name,
        template_version="0123456789abcdef",
        body=body,
        render_error=None if body is not None else "missing variable 'amount'",
        segments=1,
        now=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        facts=cast(ContactFacts, NoContactLog()),
    )


@pytest.fixture
def gate(scanner: CivilityScanner) -> ComplianceGate:
    rule = CivilityRule(scanner, lawful_action_templates=frozenset({"litigation_notice"}))
    return ComplianceGate([rule])


async def test_a_civil_message_is_allowed(gate: ComplianceGate, scanner: CivilityScanner) -> None:
    verdict = await gate.evaluate(
        subject("【安信资产】王女士您好，我们已收到您的还款，感谢您的配合。")
    )
    assert verdict.decision is Decision.ALLOW
    [result] = verdict.results
    assert result.rule_id == "civility.lexicon"
    assert result.inputs["lexicon_version"] == scanner.version


async def test_a_threat_blocks_naming_phrase_category_and_position(gate: ComplianceGate) -> None:
    body = "【安信资产】张先生，再不还钱就坐牢，还会通知你单位"
    jail, tell = body.index("坐牢"), body.index("通知你单位")
    assert (jail, tell) == (15, 20)
    verdict = await gate.evaluate(subject(body))
    assert verdict.decision is Decision.BLOCK
    result = verdict.deciding
    assert result is not None and result.rule_id == "civility.lexicon"
    assert result.reason == (
        "forbidden language: '坐牢' (arrest_crime) at 15–17, "
        "'通知你单位' (third_party_disclosure) at 20–25"
    )
    assert "art. 68" in result.citation  # recorded in English, as always
    chinese = result.citations["zh-CN"]  # and by the sources' Chinese names, each once
    assert chinese.startswith("中国银行业协会催收相关指引（2026年1月30日）：不得威胁")
    assert chinese.count("GB/T 45251-2025") == 2  # one per category: their texts differ
    assert "credit-card" not in chinese.lower() and "CBA" not in chinese
    findings = result.inputs["findings"]
    assert [(f["phrase"], f["start"], f["end"]) for f in findings] == [
        ("坐牢", 15, 17),
        ("通知你单位", 20, 25),
    ]
    json.dumps(verdict.to_json())  # it goes to the contact log as it is


async def test_a_message_that_did_not_render_is_left_to_the_render_rule(
    gate: ComplianceGate,
) -> None:
    verdict = await gate.evaluate(subject(None))
    assert verdict.decision is Decision.ALLOW


async def test_a_marked_litigation_template_may_name_the_lawsuit_but_not_threaten(
    gate: ComplianceGate,
) -> None:
    notice = "【安信资产】张先生，我们已依法向人民法院起诉，案号见附件。"
    assert (await gate.evaluate(subject(notice, "litigation_notice"))).decision is Decision.ALLOW
    assert (await gate.evaluate(subject(notice, "overdue_reminder"))).decision is Decision.BLOCK
    threat = notice + "不还就坐牢。"
    verdict = await gate.evaluate(subject(threat, "litigation_notice"))
    assert verdict.decision is Decision.BLOCK
    assert verdict.deciding is not None and "'坐牢'" in verdict.deciding.reason
    assert verdict.deciding.inputs["lawful_action"] is True
