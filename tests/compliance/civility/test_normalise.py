"""Normalisation: what evasions fold to, and the way back to original positions."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from compliance.civility.hanzi import TRADITIONAL_TO_SIMPLIFIED
from compliance.civility.lexicon import LEXICON_DIR
from compliance.civility.normalise import (
    MARKERS,
    SkeletonIndex,
    mark,
    normalise,
    original_index,
    original_offsets,
    skeleton,
)


def test_full_width_letters_fold_to_ascii() -> None:
    assert normalise("ＡＲＲＥＳＴ") == normalise("arrest")


def test_case_is_folded() -> None:
    assert normalise("JaIL") == normalise("jail")


def test_zero_width_characters_and_soft_hyphens_vanish() -> None:
    for invisible in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"):
        assert normalise(f"坐{invisible}牢") == "坐牢"
        assert mark(f"ar{invisible}rest") == mark("arrest")  # not even a gap


def test_separators_between_characters_vanish_from_the_skeleton() -> None:
    for text in ("坐 牢", "坐*牢", "坐.牢", "坐，牢", "坐\n牢", "坐 * 牢"):
        assert normalise(text) == "坐牢"


def test_traditional_characters_fold_to_simplified() -> None:
    assert normalise("爆通訊錄") == "爆通讯录"
    assert normalise("恐嚇") == "恐吓"
    assert normalise("老賴") == "老赖"
    assert normalise("後果自負") == "后果自负"


def test_polite_and_feminine_you_fold_to_ni() -> None:
    assert normalise("通知您单位") == normalise("通知妳单位") == "通知你单位"


def test_cyrillic_lookalikes_fold_to_latin() -> None:
    assert normalise("аrrеst") == normalise("arrest")  # Cyrillic а and е


def test_leetspeak_is_read_in_the_skeleton_and_l_is_i() -> None:
    assert normalise("j4il") == normalise("jail") == "jaii"
    assert normalise("$h1t") == normalise("shit")


def test_the_marked_form_keeps_hard_and_soft_separators() -> None:
    assert mark("he'll call") == "he ii caii"
    assert mark("a.r-r") == "a.r.r"
    assert mark("坐 牢！") == "坐 牢."


def test_the_traditional_table_folds_in_one_step_and_one_character() -> None:
    for traditional, simplified in TRADITIONAL_TO_SIMPLIFIED.items():
        assert len(traditional) == len(simplified) == 1
        assert simplified not in TRADITIONAL_TO_SIMPLIFIED, (traditional, simplified)


def test_the_zh_lexicon_is_written_in_simplified_characters() -> None:
    document = tomllib.loads((LEXICON_DIR / "zh-CN.toml").read_text("utf-8"))
    for category in document.values():
        if not isinstance(category, dict):
            continue
        for entry in category["entries"]:
            for text in (entry["phrase"], *entry.get("forms", []), *entry.get("except", [])):
                assert not set(text) & TRADITIONAL_TO_SIMPLIFIED.keys(), text


_TEXT = st.text(
    st.sampled_from(
        [*"abcl01345$@ .,*-'", "坐", "牢", "訊", "\u200b", "ﬁ", "⑴", "Ａ", "\u0301", "ß"]
    ),
    max_size=40,
)


@given(_TEXT)
def test_every_skeleton_position_maps_to_its_marked_character(text: str) -> None:
    marked = mark(text)
    kept = [i for i, c in enumerate(marked) if c not in MARKERS]
    assert len(kept) == len(skeleton(text))
    index = SkeletonIndex(marked)
    assert [index.marked_index(i) for i in range(len(kept))] == kept


@given(_TEXT)
def test_every_marked_position_maps_back_to_the_character_it_came_from(text: str) -> None:
    offsets = original_offsets(text)
    for position, char in enumerate(text):
        for marked_position in range(offsets[position], offsets[position + 1]):
            assert original_index(offsets, marked_position) == position, char
