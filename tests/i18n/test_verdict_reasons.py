"""A verdict read in Chinese or English: the rule, why, times on the debtor's clock, and the
citation of the pack that applied."""

from __future__ import annotations

from datetime import UTC, datetime

from compliance import AttemptCount, AttemptFact, CheckSubject, ComplianceGate, HoldFact
from compliance.hours import ContactHoursRule
from compliance.rules import HoldsRule
from dispatcher.i18n import explain, explain_results

# 23:00 in Shanghai: after the cn pack's quiet hours begin; next allowed 08:00 local.
LATE = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
SHANGHAI = "Asia/Shanghai"


class Facts:
    def __init__(self, *holds: HoldFact) -> None:
        self.holds = list(holds)

    async def active_holds(self, **_: object) -> list[HoldFact]:
        return self.holds

    async def count_attempts(self, **_: object) -> AttemptCount:
        return AttemptCount(0, None)

    async def latest_attempt(self, **_: object) -> AttemptFact | None:
        return None


def chinese_debtor(facts: Facts, channel: str = "sms") -> CheckSubject:
    return CheckSubject(
        message_id="m1", channel=channel, debtor_ref="D-1001", account_ref="A-1",
        destination="+8613800138000", locale="zh-CN", template_name="overdue_reminder",
        template_version="v1", body="您好", render_error=None, segments=1, now=LATE,
        facts=facts, packs=("cn", "org"), debtor_time_zone=SHANGHAI,
    )  # fmt: skip


def dispute() -> HoldFact:
    return HoldFact("dispute", None, None, "debtor disputes the amount", "api", "cp-1", LATE)


async def test_a_deferral_reads_in_chinese_with_the_debtors_local_time() -> None:
    verdict = await ComplianceGate([ContactHoursRule()]).evaluate(chinese_debtor(Facts()))
    stored = verdict.to_json()

    (line,) = explain(stored, "zh-CN", SHANGHAI)

    assert stored["code"] == "hours.outside"
    assert stored["until"] == "2026-12-04T00:00:00+00:00"  # kept, as clients read it
    assert stored["time_zone"] == SHANGHAI
    assert stored["until_local"] == "2026-12-04T08:00:00+08:00"
    assert line.startswith("允许联系时段：不在 Asia/Shanghai 的允许时段 [08:00, 22:00) 之内")
    assert "下一个允许时间是 2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）" in line
    assert "00:00 UTC" not in line
    assert line.endswith("依据：GB/T 45251-2025；中国银行业协会催收相关指引（2026年1月30日）")
    (english,) = explain(stored, "en-US", SHANGHAI)
    assert "the next allowed time is 2026-12-04 08:00 (Asia/Shanghai, UTC+08:00)" in english
    (result,) = explain_results(stored, "zh-CN", SHANGHAI)
    assert result.until_utc == "2026年12月4日 00:00（UTC）"
    assert result.decision_label == "延后"


async def test_a_dispute_hold_on_a_chinese_debtor_cites_the_cn_pack_not_reg_f() -> None:
    verdict = await ComplianceGate([HoldsRule()]).evaluate(chinese_debtor(Facts(dispute())))
    stored = verdict.to_json()

    assert stored["decision"] == "block"
    assert stored["citation"].startswith("Credit-card business measures, art. 69")
    assert "Company policy: contact paused until the dispute is resolved" in stored["citation"]
    assert "CFR" not in stored["citation"]
    assert stored["rules"][0]["inputs"]["cited_by"] == ["cn:hold_dispute", "org:hold_dispute"]
    (line,) = explain(stored, "zh-CN", SHANGHAI)
    assert "债务人有“争议”暂停标记（cp-1 于 2026年12月3日 23:00（Asia/Shanghai，UTC+08:00）" in line
    assert (
        "依据：《商业银行信用卡业务监督管理办法》第六十九条（债务人核实和异议债务的权利）；" in line
    )
    assert line.endswith("；公司政策：争议解决前暂停联系")  # org's policy, in Chinese too
    assert stored["citations"]["zh-CN"] in line
    (english,) = explain(stored, "en-US", SHANGHAI)
    assert english.endswith(f"Basis: {stored['citation']}")  # the recorded English


async def test_a_us_debtors_dispute_hold_still_cites_reg_f() -> None:
    subject = chinese_debtor(Facts(dispute()))
    us = CheckSubject(**{**subject.__dict__, "destination": "+12015550123",
                         "packs": ("us-regf", "org")})  # fmt: skip
    verdict = await ComplianceGate([HoldsRule()]).evaluate(us)
    assert verdict.to_json()["citation"].startswith("12 CFR 1006.34; Company policy")


def test_a_verdict_stored_before_reason_codes_shows_its_english_reason() -> None:
    old = {
        "decision": "block", "rule_id": "hold.active", "reason": "dispute hold on the debtor",
        "citation": "12 CFR 1006.34",
        "rules": [{"rule_id": "hold.active", "decision": "block",
                   "reason": "dispute hold on the debtor", "citation": "12 CFR 1006.34",
                   "until": None, "inputs": {}}],
    }  # fmt: skip
    assert explain(old, "zh-CN", SHANGHAI) == [
        "暂停联系标记：dispute hold on the debtor 依据：12 CFR 1006.34"
    ]


def test_an_allowed_verdict_explains_nothing_unless_asked() -> None:
    allowed = {
        "decision": "allow", "rule_id": None,
        "rules": [{"rule_id": "hours.allowed_window", "decision": "allow", "reason": "ok",
                   "code": "hours.within", "params": {"window": "[08:00, 22:00)"},
                   "citation": "GB/T 45251-2025", "until": None, "inputs": {}}],
    }  # fmt: skip
    assert explain(allowed, "en-US", SHANGHAI) == []
    assert explain(allowed, "en-US", SHANGHAI, include_allowed=True) == [
        "Allowed hours: within the allowed hours [08:00, 22:00). Basis: GB/T 45251-2025"
    ]


async def test_without_a_zone_on_record_the_packs_fixed_zone_is_the_debtors_clock() -> None:
    subject = chinese_debtor(Facts())
    unzoned = CheckSubject(**{**subject.__dict__, "debtor_time_zone": None})
    stored = (await ComplianceGate([ContactHoursRule()]).evaluate(unzoned)).to_json()
    assert stored["time_zone"] == SHANGHAI  # the cn pack measures in Beijing time
    assert "2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）" in explain(stored, "zh-CN", None)[0]


def test_an_advisory_note_reads_in_chinese() -> None:
    allowed = {
        "decision": "allow", "rule_id": None,
        "rules": [{"rule_id": "preferences.stated", "decision": "allow",
                   "reason": "the debtor prefers voice, this is sms (advisory)",
                   "code": "preferences.advisory",
                   "params": {"preferred_channel": "voice", "channel": "sms",
                              "preferred_locale": "zh-CN", "locale": "zh-CN"},
                   "citation": "12 CFR 1006.6(b)(1)", "until": None, "inputs": {}}],
    }  # fmt: skip
    (line,) = explain(allowed, "zh-CN", SHANGHAI, include_allowed=True)
    assert line.startswith("债务人偏好：允许；债务人偏好电话、语言 zh-CN，本次为短信、语言 zh-CN")
