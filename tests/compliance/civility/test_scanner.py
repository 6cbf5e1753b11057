"""The scanner: evasions in both languages, original spans, whole words, lawful actions."""

from __future__ import annotations

import dataclasses
import time

import pytest

from compliance.civility import Category, CivilityScanner, Finding, Mode


def phrases(findings: list[Finding]) -> list[str]:
    return [f.phrase for f in findings]


@pytest.mark.parametrize(
    ("text", "phrase", "matched"),
    [
        # Chinese: separators, zero-width, full-width, traditional characters
        ("再不还钱就等着坐牢吧", "坐牢", "坐牢"),
        ("再不还钱就等着坐 牢吧", "坐牢", "坐 牢"),
        ("再不还钱就等着坐*牢吧", "坐牢", "坐*牢"),
        ("再不还钱就等着坐.牢吧", "坐牢", "坐.牢"),
        ("再不还钱就等着坐\u200b牢吧", "坐牢", "坐\u200b牢"),
        ("再不还钱就等着坐　牢吧", "坐牢", "坐　牢"),  # ideographic space
        ("不还就爆通訊錄", "爆通讯录", "爆通訊錄"),
        ("这不是恐嚇", "恐吓", "恐嚇"),
        ("爆 通 讯 录", "爆通讯录", "爆 通 讯 录"),
        ("我们会通知您单位", "通知你单位", "通知您单位"),
        ("你个傻Ｂ", "傻逼", "傻Ｂ"),
        # English: case, full width, spelled out, inserted symbols, leetspeak, lookalikes
        ("You will go to JAIL", "jail", "JAIL"),
        ("You will go to ｊａｉｌ", "jail", "ｊａｉｌ"),
        ("face a.r.r.e.s.t now", "arrest", "a.r.r.e.s.t"),
        ("face a.r.r.3.s.t now", "arrest", "a.r.r.3.s.t"),
        ("face a r r e s t now", "arrest", "a r r e s t"),
        ("face a - r - r - e - s - t now", "arrest", "a - r - r - e - s - t"),
        ("face ar-rest now", "arrest", "ar-rest"),
        ("face arr3st now", "arrest", "arr3st"),
        ("face 4rr35t now", "arrest", "4rr35t"),
        ("or j4il", "jail", "j4il"),
        ("or J41L", "jail", "J41L"),
        ("or ja\u200bil", "jail", "ja\u200bil"),
        ("or аrrest", "arrest", "аrrest"),  # Cyrillic а
        ("you $h1t", "shit", "$h1t"),
        ("you f*ck", "fuck", "f*ck"),
        ("an @$$h0le", "asshole", "@$$h0le"),
        ("They KNOW where you LIVE", "know where you live", "KNOW where you LIVE"),
        ("we know\nwhere  you live", "know where you live", "we know\nwhere  you live"),
        ("knowwhereyoulive", "know where you live", "knowwhereyoulive"),
        ("You'll be in prisons", "prison", "prisons"),
        ("We will have you arrested", "arrest", "arrested"),
        # Mixed languages in one text
        ("你再不还钱 we will arrest you", "arrest", "arrest"),
        ("你会被arrest了", "arrest", "arrest"),
        ("Pay now, 老赖", "老赖", "老赖"),
    ],
)
def test_evasions_are_caught_and_reported_as_written(
    scanner: CivilityScanner, text: str, phrase: str, matched: str
) -> None:
    findings = scanner.scan(text)
    assert phrase in phrases(findings), findings
    finding = next(f for f in findings if f.phrase == phrase)
    assert finding.matched_text == matched
    assert text[finding.start : finding.end] == matched


def test_a_finding_reports_its_original_span_and_entry(scanner: CivilityScanner) -> None:
    text = "【安信】张先生，再不还钱就让你坐 牢。"
    [finding] = scanner.scan(text)
    assert finding == Finding(
        phrase="坐牢",
        category=Category.ARREST_CRIME,
        mode=Mode.ALWAYS,
        locale="zh-CN",
        start=15,
        end=18,
        matched_text="坐 牢",
        citation=finding.citation,
        citations=finding.citations,
    )
    assert "art. 68" in finding.citation
    assert "第六十八条" in dict(finding.citations)["zh-CN"]
    assert finding.describe() == "'坐牢' (arrest_crime) at 15–18"
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 0  # type: ignore[misc]


def test_findings_come_in_text_order_and_a_longer_phrase_hides_the_shorter(
    scanner: CivilityScanner,
) -> None:
    findings = scanner.scan("老赖！我们已起诉你，并会通知你单位")
    assert phrases(findings) == ["老赖", "已起诉", "通知你单位"]  # not 起诉 as well
    assert [f.start for f in findings] == sorted(f.start for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "Please pass the passport to the class assistant for assistance.",
        "Scunthorpe, Essex, Sussex, Middlesex; grape, drape, scrape; therapist.",
        "The client has issued a familiar English text; cash today.",
        "He'll call; we'll see. Hello Michelle, the shell is ready.",
        "Mr. Hancock, Ms. Cockburn, Dickens, Arsenal, album, suspicious spice.",
        "Warranty, classic, assess, assume, embassy, Massachusetts.",
        "Pay $1,240.00 by 2026-01-30 at 455 Main St; call 555-0173; ref A55; id=455.",
        "https://example.com/pay?id=455&ref=A55#top",
        "You got a ss? No: a real word next to a letter is not spelled out.",
        "Thanks, Dick! Hi Sue. Ms. Levy, your payment arrived.",
        "The prisoner's dilemma is a classic in game theory.",
    ],
)
def test_english_matches_whole_words_only(scanner: CivilityScanner, text: str) -> None:
    assert scanner.scan(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "首页新闻正在滚动播出，滚筒洗衣机检修",
        "请做好垃圾分类，垃圾桶在一楼",
        "摄影课：曝光度与曝光补偿",
        "请小心点击陌生链接",
        "远离高利贷，严禁违规套现",
        "谨防骗子，警惕冒充公检法的诈骗",
        "您本期贷款还款日为5月10日，可通过柜台刷卡还款",
    ],
)
def test_chinese_context_rules_leave_harmless_words_alone(
    scanner: CivilityScanner, text: str
) -> None:
    assert scanner.scan(text) == []


def test_gun_alone_is_an_insult_but_not_inside_a_word(scanner: CivilityScanner) -> None:
    assert phrases(scanner.scan("滚！")) == ["滚"]
    assert phrases(scanner.scan("你滚吧, 滚")) == ["滚"]
    assert scanner.scan("滚动") == []
    assert phrases(scanner.scan("你给我滚")) == ["给我滚"]


def test_a_harmless_context_only_covers_itself(scanner: CivilityScanner) -> None:
    text = "做好垃圾分类。你就是个垃圾"
    [finding] = scanner.scan(text)
    assert (finding.phrase, finding.start) == ("垃圾", text.rindex("垃圾"))


def test_lawful_action_allows_only_the_entries_marked_for_it(scanner: CivilityScanner) -> None:
    text = "法院已受理，我们已起诉。We filed a lawsuit and may garnish wages. Jail awaits, 坐牢!"
    everything = scanner.scan(text)
    assert {"法院", "已起诉", "lawsuit", "garnish", "jail", "坐牢"} <= set(phrases(everything))
    lawful = scanner.scan(text, lawful_action=True)
    assert phrases(lawful) == ["jail", "坐牢"]
    assert all(f.mode is Mode.ALWAYS for f in lawful)


def test_leetspeak_is_read_only_inside_words(scanner: CivilityScanner) -> None:
    assert phrases(scanner.scan("you 4ss")) == ["ass"]
    assert scanner.scan("Room 455, code A55, amount $455.00") == []
    assert phrases(scanner.scan("face j.4.i.l")) == ["jail"]


@pytest.mark.parametrize(
    "unit", ["4 5 5 ", "a s s ", "4.5.5.", "a5sa5s", "已起诉", "垃圾分类", "x"]
)
def test_long_pathological_texts_scan_in_linear_time(scanner: CivilityScanner, unit: str) -> None:
    """A collector can paste anything; no text may stall a worker (generous bound)."""
    # CPU time, not wall time: the tests run beside other work (pytest-xdist's other
    # worker, other jobs on the machine), and a scan that stalls burns CPU.
    started = time.process_time()
    scanner.scan(unit * 20_000)
    assert time.process_time() - started < 5.0
