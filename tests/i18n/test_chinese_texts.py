"""A zh-CN reader meets no English of ours: no catalog text in zh-CN, and no word of a
workspace page's own text, holds an English word (codes, placeholders, the API's field
names and proper names excepted: ``tests/i18n/english.py``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.i18n.english import english_words

ROOT = Path(__file__).parents[2]
CATALOGS = sorted((ROOT / "dispatcher" / "i18n" / "catalogs").glob("*.zh-CN.toml"))
PAGES = sorted((ROOT / "dispatcher" / "workspace").rglob("templates/*.html"))
# Not text: a CLDR date pattern (Babel formats times with it).
NOT_TEXT = {"common.time.pattern"}


def _texts(table: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, Mapping):
            yield from _texts(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_no_zh_cn_catalog_text_holds_an_english_word(path: Path) -> None:
    area = path.name.split(".")[0]
    texts = _texts(tomllib.loads(path.read_text(encoding="utf-8")), f"{area}.")
    found = {key: english_words(text) for key, text in texts if key not in NOT_TEXT}
    assert {key: words for key, words in found.items() if words} == {}


def _page_text(source: str) -> str:
    """What a page shows of its own: its text outside tags, Jinja and ``<code>``."""
    for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}", r"<code>.*?</code>",
                    r"<(script|style)\b.*?</\1>"):  # fmt: skip
        source = re.sub(pattern, " ", source, flags=re.S)
    shown = re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', source)
    return " ".join([re.sub(r"<[^>]*>", " ", source), *shown])


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_workspace_page_says_an_english_word_of_its_own(path: Path) -> None:
    assert english_words(_page_text(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_english() -> None:
    assert english_words("请填写金额（must be positive）") == ["must", "be", "positive"]
    assert english_words("{field}：应为 ISO 8601 日期，例如 2026-12-05，debtor_ref 或 CNY") == []
    assert english_words("含有禁用语 'arrest'", data=["'arrest'"]) == []
