"""SMS segment counting: GSM-7 vs UCS-2, single vs concatenated, no split pairs."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from templates import SmsSegments, count_sms_segments, split_sms

# GSM 03.38, written out independently of the module under test: table rows 0x00-0x7F
# (0x1B, the escape, is not a character) and the extension table.
GSM_BASIC = "".join(
    [
        "@£$¥èéùìòÇ\nØø\rÅå",
        "Δ_ΦΓΛΩΠΨΣΘΞ" + "ÆæßÉ",
        " !\"#¤%&'()*+,-./",
        "0123456789:;<=>?",
        "¡ABCDEFGHIJKLMNO",
        "PQRSTUVWXYZÄÖÑÜ§",
        "¿abcdefghijklmno",
        "pqrstuvwxyzäöñüà",
    ]
)
GSM_EXTENSION = "\f^{}\\[~]|€"


def test_the_gsm_table_has_127_characters() -> None:
    assert len(set(GSM_BASIC)) == 127


@pytest.mark.parametrize("ch", list(GSM_BASIC))
def test_every_basic_character_is_one_septet(ch: str) -> None:
    assert count_sms_segments(ch) == SmsSegments("GSM-7", 1, 1)


@pytest.mark.parametrize("ch", list(GSM_EXTENSION))
def test_every_extension_character_is_two_septets(ch: str) -> None:
    assert count_sms_segments(ch) == SmsSegments("GSM-7", 2, 1)


@pytest.mark.parametrize(
    "ch",
    ["ç", "’", "“", "\t", "\x1b", "`", "\u00a0", "á", "\u0308", "中", "😀", "₩"],
    ids=repr,
)
def test_a_character_outside_gsm7_makes_the_text_ucs2(ch: str) -> None:
    # "ç" is not in the table (only "Ç" is); curly quotes and NBSP are common traps.
    assert count_sms_segments("Hello " + ch).encoding == "UCS-2"


def test_empty_text_is_zero_units_in_one_segment() -> None:
    assert count_sms_segments("") == SmsSegments("GSM-7", 0, 1)
    assert split_sms("") == [""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, SmsSegments("GSM-7", 160, 1)),
        ("a" * 161, SmsSegments("GSM-7", 161, 2)),
        ("a" * 153 * 2, SmsSegments("GSM-7", 306, 2)),
        ("a" * (153 * 2 + 1), SmsSegments("GSM-7", 307, 3)),
        ("€" * 80, SmsSegments("GSM-7", 160, 1)),
        ("€" * 80 + "a", SmsSegments("GSM-7", 161, 2)),
        ("a" * 159 + "€", SmsSegments("GSM-7", 161, 2)),
        ("中" * 70, SmsSegments("UCS-2", 70, 1)),
        ("中" * 71, SmsSegments("UCS-2", 71, 2)),
        ("中" * 67 * 2, SmsSegments("UCS-2", 134, 2)),
        ("中" * (67 * 2 + 1), SmsSegments("UCS-2", 135, 3)),
        ("😀" * 35, SmsSegments("UCS-2", 70, 1)),
        ("中" * 69 + "😀", SmsSegments("UCS-2", 71, 2)),
        ("a" * 69 + "é" + "中", SmsSegments("UCS-2", 71, 2)),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_boundaries(text: str, expected: SmsSegments) -> None:
    assert count_sms_segments(text) == expected


def test_an_escape_pair_is_not_split_across_segments() -> None:
    # Given 306 septets, which would fill exactly two segments if "€" could be split
    text = "a" * 152 + "€" + "a" * 152

    # Then "€" moves whole to the second segment, and one "a" spills into a third
    assert count_sms_segments(text) == SmsSegments("GSM-7", 306, 3)
    assert split_sms(text) == ["a" * 152, "€" + "a" * 151, "a"]


def test_an_escape_pair_that_exactly_fills_a_segment_stays_in_it() -> None:
    text = "a" * 151 + "€" + "a" * 153
    assert split_sms(text) == ["a" * 151 + "€", "a" * 153]


def test_a_surrogate_pair_is_not_split_across_segments() -> None:
    # 134 code units would be two full segments if the emoji could be cut in half
    text = "中" * 66 + "😀" + "中" * 66

    assert count_sms_segments(text) == SmsSegments("UCS-2", 134, 3)
    assert split_sms(text) == ["中" * 66, "😀" + "中" * 65, "中"]


def test_chinese_text() -> None:
    text = "【安信】张伟您好，您的账单已于2026年12月5日到期。回复TD退订"
    assert count_sms_segments(text) == SmsSegments("UCS-2", len(text), 1)


def test_ascii_text_that_is_not_all_gsm_is_counted_in_ucs2() -> None:
    # "`" is ASCII but not GSM-7: the whole text becomes UCS-2
    assert count_sms_segments("a" * 70 + "`") == SmsSegments("UCS-2", 71, 2)


# --- properties ---------------------------------------------------------------

GSM = GSM_BASIC + GSM_EXTENSION
texts = st.one_of(
    st.text(alphabet=GSM, max_size=500),
    st.text(alphabet=st.sampled_from("a€^中😀 "), max_size=400),
    st.text(max_size=300),
)


def units(text: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return len(text) + sum(ch in GSM_EXTENSION for ch in text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@given(texts)
def test_counting_agrees_with_an_independent_oracle(text: str) -> None:
    counted = count_sms_segments(text)
    expected_encoding = "GSM-7" if set(text) <= set(GSM) else "UCS-2"

    assert counted.encoding == expected_encoding
    assert counted.units == units(text, expected_encoding)


@given(texts)
def test_split_is_greedy_and_never_overflows_a_segment(text: str) -> None:
    counted = count_sms_segments(text)
    parts = split_sms(text)
    single, per_segment = (160, 153) if counted.encoding == "GSM-7" else (70, 67)

    assert "".join(parts) == text
    assert len(parts) == counted.segments
    if counted.units <= single:
        assert parts == [text]
    else:
        assert all(0 < units(p, counted.encoding) <= per_segment for p in parts)
        for part, following in itertools.pairwise(parts):
            # A new segment starts only when the next character did not fit
            assert units(part + following[0], counted.encoding) > per_segment
