"""A pack cites its sources in English (what every verdict records as ``citation``) and in
Chinese (``citation_zh-CN``): the verdict keeps both, a reader reads their own, and a
malformed translation is refused naming the file, rule, field and line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance import CheckSubject, ComplianceGate, RuleResult
from compliance.citations import joined, localized
from compliance.civility.lexicon import Lexicon
from compliance.packs import PackFormatError, load_pack, read_pack
from dispatcher.i18n import explain
from tests.i18n.english import english_words

CREDIT_CARD_MEASURES = "《商业银行信用卡业务监督管理办法》"
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def test_the_cn_pack_names_its_sources_in_chinese_and_keeps_the_english() -> None:
    rules = {rule.id: rule for rule in load_pack("cn").rules}

    letters = rules["letter_contents"]
    assert letters.citation == "Credit-card business measures, art. 69"
    assert dict(letters.citations) == {"zh-CN": f"{CREDIT_CARD_MEASURES}第六十九条"}
    recordings = dict(rules["call_recordings"].citations)["zh-CN"]
    assert recordings.startswith(f"{CREDIT_CARD_MEASURES}第六十八条；中国互联网金融协会")
    assert "《互联网金融逾期债务催收自律公约（试行）》" in recordings
    assert dict(rules["unanswered_attempts"].citations) == {
        "zh-CN": "中国银行业协会催收相关指引（2026年1月30日）"
    }
    assert rules["effective_conversations"].citations == ()  # GB/T 45251-2025 reads as it is


@pytest.mark.parametrize("pack_id", ["cn", "org"])
def test_a_chinese_reader_meets_no_english_in_the_packs_that_apply_in_china(
    pack_id: str,
) -> None:
    for rule in load_pack(pack_id).rules:
        chinese = dict(rule.citations).get("zh-CN", rule.citation)
        paragraphs = re.findall(r"\([a-z0-9]+\)", chinese)  # 1006.14(b): a number, not a word
        assert english_words(chinese, data=paragraphs) == [], (rule.ref, chinese)


def test_the_chinese_lexicon_cites_in_chinese() -> None:
    entries = Lexicon.builtin("zh-CN").entries
    for category in {entry.category: entry for entry in entries}.values():
        chinese = dict(category.citations)["zh-CN"]
        assert english_words(chinese) == [], (category.category, chinese)


def test_several_sources_join_once_each_and_in_each_language() -> None:
    cn = ("Credit-card measures, art. 69", (("zh-CN", "第六十九条"),))
    org = ("Company policy", ())

    assert joined([cn, org, cn]) == (
        "Credit-card measures, art. 69; Company policy",
        {"zh-CN": "第六十九条；Company policy"},  # a source not named in Chinese stays English
    )
    assert joined([org]) == ("Company policy", {})
    assert localized("Company policy", {}, "zh-CN") == "Company policy"
    assert localized("art. 69", {"zh-CN": "第六十九条"}, "en-US") == "art. 69"


class NoFacts:
    pass


async def test_the_verdict_records_both_and_each_reader_reads_their_own() -> None:
    subject = CheckSubject(
        message_id="m1", channel="letter", debtor_ref="D-1", account_ref="A-1",
        destination="+8613800138000", locale="zh-CN", template_name="notice",
        template_version="v1", body="王伟", render_error=None, segments=None, now=NOW,
        facts=NoFacts(), packs=("cn", "org"),  # type: ignore[arg-type]
    )  # fmt: skip
    blocked = RuleResult.block(
        "content.required", "Credit-card business measures, art. 69", "missing",
        citations=dict(load_pack("cn").content[0].citations),
        code="content.missing_phrase", params={"phrase": "x", "rule": "cn:letter_contents"},
    )  # fmt: skip
    stored = (await ComplianceGate([_Answers(blocked)]).evaluate(subject)).to_json()

    assert stored["citation"] == "Credit-card business measures, art. 69"
    assert stored["citations"] == {"zh-CN": f"{CREDIT_CARD_MEASURES}第六十九条"}
    assert stored["rules"][0]["citations"] == stored["citations"]
    (chinese,) = explain(stored, "zh-CN", "Asia/Shanghai")
    assert chinese.endswith(f"依据：{CREDIT_CARD_MEASURES}第六十九条")
    (english,) = explain(stored, "en-US", "Asia/Shanghai")
    assert english.endswith("Basis: Credit-card business measures, art. 69")

    older = {**stored, "rules": [{k: v for k, v in stored["rules"][0].items() if k != "citations"}]}
    assert explain(older, "zh-CN", None)[0].endswith("依据：Credit-card business measures, art. 69")


class _Answers:
    id = "content.required"
    citation = "test"

    def __init__(self, result: RuleResult) -> None:
        self.result = result

    async def check(self, subject: CheckSubject) -> RuleResult:
        return self.result


GOOD = """\
id = "bad"
version = "1"
title = "t"
jurisdiction = "CN"

[[caps]]
id = "first"
title = "t"
citation = "c"
citation_zh-CN = "依据"
status = "V"
channels = ["voice"]
limit = 3
period_days = 1
scope = "debtor"
counts = ["call.answered"]
"""


@pytest.mark.parametrize(
    ("edit", "field", "problem", "line"),
    [
        (('citation_zh-CN = "依据"', 'citation_zh-CN = ""'), "citation_zh-CN", "non-empty", 10),
        (('citation_zh-CN = "依据"', "citation_zh-CN = 3"), "citation_zh-CN", "string", 10),
        (("citation_zh-CN", "citation_fr-FR"), "citation_fr-FR", "unknown field", 10),
        (
            (
                'counts = ["call.answered"]',
                'counts = ["call.answered"]\nwindow_citation_zh-CN = "x"',
            ),
            "window_citation_zh-CN",
            "beside a window_citation",
            17,
        ),
    ],
)
def test_a_malformed_translation_names_file_rule_field_and_line(
    tmp_path: Path, edit: tuple[str, str], field: str, problem: str, line: int
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*edit, 1), encoding="utf-8")

    with pytest.raises(PackFormatError) as caught:
        read_pack(path)

    error = caught.value
    assert (error.file, error.rule, error.field, error.line) == (
        path,
        "caps[0] 'first'",
        field,
        line,
    )
    assert problem in error.problem


def test_the_good_pack_above_reads_its_translation(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD, encoding="utf-8")

    assert read_pack(path).caps[0].citations == (("zh-CN", "依据"),)


class _Crashes:
    id = "operations.pause"
    citation = "Seed 4 (risk, emergency plans)"
    citations = (("zh-CN", "应急预案"),)

    async def check(self, subject: CheckSubject) -> RuleResult:
        raise RuntimeError("boom")


async def test_a_rule_that_cites_itself_is_read_in_its_own_languages_too() -> None:
    subject = CheckSubject(
        message_id="m1", channel="sms", debtor_ref="D-1", account_ref="A-1",
        destination="+8613800138000", locale="zh-CN", template_name="t", template_version="v1",
        body="您好", render_error=None, segments=1, now=NOW, facts=NoFacts(),  # type: ignore[arg-type]
    )  # fmt: skip
    other = RuleResult.block("content.required", "another source", "no")

    crashed, cited_elsewhere = (
        await ComplianceGate([_Crashes(), _Answers(other)]).evaluate(subject)
    ).results

    assert crashed.code == "rule.crashed" and crashed.citations == {"zh-CN": "应急预案"}
    assert cited_elsewhere.citations == {}  # not the rule's own citation: nothing added
