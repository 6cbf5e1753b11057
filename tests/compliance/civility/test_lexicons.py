"""The shipped lexicons load, are complete, and bad lexicons are refused at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.civility import Category, CivilityScanner, Lexicon, LexiconError, Mode
from compliance.civility.lexicon import LEXICON_DIR


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_each_shipped_lexicon_has_every_category_with_a_citation(locale: str) -> None:
    lexicon = Lexicon.builtin(locale)
    assert lexicon.locale == locale
    assert lexicon.version
    assert set(lexicon.citations) == set(Category)
    assert all(citation.strip() for citation in lexicon.citations.values())
    assert len(lexicon.entries) >= 150
    for category in Category:
        assert sum(e.category is category for e in lexicon.entries) >= 15, category
    assert {e.mode for e in lexicon.entries} == set(Mode)


def test_the_scanner_version_names_each_lexicon_and_its_content(
    scanner: CivilityScanner, tmp_path: Path
) -> None:
    assert scanner.version.startswith("zh-CN@2026.11.0+en-US@2026.11.0#")
    # Same version string, edited content: the version still changes.
    for locale in ("zh-CN", "en-US"):
        (tmp_path / f"{locale}.toml").write_bytes((LEXICON_DIR / f"{locale}.toml").read_bytes())
    with (tmp_path / "en-US.toml").open("a", encoding="utf-8") as edited:
        edited.write("\n# reviewed again\n")
    edited_scanner = CivilityScanner.from_lexicons(("zh-CN", "en-US"), directory=tmp_path)
    assert edited_scanner.version != scanner.version


def _lexicon(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "xx-XX.toml"
    path.write_text('locale = "xx-XX"\nversion = "1"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ('[violence]\ncitation = "c"\nentries = [{ phrase = "x", mode = "often" }]', "often"),
        ('[rudeness]\ncitation = "c"\nentries = [{ phrase = "x", mode = "always" }]', "rudeness"),
        ('[violence]\nentries = [{ phrase = "x", mode = "always" }]', "citation"),
        ('[violence]\ncitation = "c"\nentries = [{ phrase = "", mode = "always" }]', "phrase"),
        ('[violence]\ncitation = "c"\nentries = [{ phrase = "x", mode = "always", y = 1 }]', "y"),
        ('[violence]\ncitation = "c"\nentries = [{ phrase = "x", mode = "always", '
         'boundary = "line" }]', "line"),
        ("[violence\n", "TOML"),
    ],
)  # fmt: skip
def test_a_malformed_lexicon_is_refused_naming_the_problem(
    tmp_path: Path, body: str, complaint: str
) -> None:
    with pytest.raises(LexiconError, match=complaint):
        Lexicon.load(_lexicon(tmp_path, body))


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('{ phrase = "110", mode = "always" }', "digits"),
        ('{ phrase = "垃圾", mode = "always", except = ["分类"] }', "could never apply"),
        ('{ phrase = "***", mode = "always" }', "empty"),
        ('{ phrase = "坐牢", mode = "always", boundary = "word" }', "no words"),
    ],
)
def test_an_entry_the_scanner_could_not_match_is_refused(
    tmp_path: Path, entry: str, complaint: str
) -> None:
    lexicon = Lexicon.load(_lexicon(tmp_path, f'[violence]\ncitation = "c"\nentries = [{entry}]'))
    with pytest.raises(LexiconError, match=complaint):
        CivilityScanner([lexicon])


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(LexiconError, match="fr-FR"):
        CivilityScanner.from_lexicons(("fr-FR",))
