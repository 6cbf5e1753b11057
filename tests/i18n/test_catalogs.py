"""Every area's text exists in every locale, with the same keys and the same placeholders."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from dispatcher.i18n import LOCALES, MissingParameter, UnknownKey, placeholders, translate
from dispatcher.i18n.catalog import CATALOG_DIR, catalog


def _areas() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in CATALOG_DIR.glob("*.toml"):
        area, _, rest = path.name.partition(".")
        found[area].add(rest.removesuffix(".toml"))
    return dict(found)


def test_every_catalog_file_is_an_area_in_a_known_locale() -> None:
    assert _areas(), "no catalogs found"
    for area, locales in _areas().items():
        assert locales == set(LOCALES), f"area {area!r} has catalogs for {sorted(locales)}"


@pytest.mark.parametrize("area", sorted(_areas()))
def test_each_area_has_the_same_keys_and_placeholders_in_every_locale(area: str) -> None:
    texts = {locale: _area_texts(area, locale) for locale in LOCALES}
    reference_locale, *others = LOCALES
    reference = texts[reference_locale]
    for locale in others:
        missing = sorted(set(reference) - set(texts[locale]))
        extra = sorted(set(texts[locale]) - set(reference))
        assert not missing, f"{area}.{locale} lacks {missing}"
        assert not extra, f"{area}.{locale} has keys {reference_locale} lacks: {extra}"
        for key, text in reference.items():
            assert placeholders(text) == placeholders(texts[locale][key]), (
                f"{key}: {reference_locale} {sorted(placeholders(text))} vs "
                f"{locale} {sorted(placeholders(texts[locale][key]))}"
            )
    for locale in LOCALES:
        for key, text in texts[locale].items():
            assert text.strip(), f"{locale} {key} is empty"
            names = placeholders(text)
            assert all(name.isidentifier() for name in names), f"{locale} {key}: {names}"


def _area_texts(area: str, locale: str) -> dict[str, str]:
    return {key: text for key, text in catalog(locale).texts.items() if key.startswith(f"{area}.")}


def test_catalog_files_parse_as_toml() -> None:
    for path in CATALOG_DIR.glob("*.toml"):
        with Path(path).open("rb") as fh:
            assert isinstance(tomllib.load(fh), dict)


def test_an_unknown_key_is_an_error_not_a_fallback() -> None:
    with pytest.raises(UnknownKey, match=r"common\.no\.such"):
        translate("zh-CN", "common.no.such")


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(MissingParameter, match="zone"):
        translate("en-US", "common.time.local", when="x", offset="+08:00")


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="fr-FR"):
        translate("fr-FR", "common.time.utc", when="x")


def test_translate_fills_placeholders_in_each_language() -> None:
    assert translate("en-US", "common.time.utc", when="2026-12-04 00:00") == "2026-12-04 00:00 UTC"
    assert translate("zh-CN", "common.time.utc", when="2026年12月4日 00:00") == (
        "2026年12月4日 00:00（UTC）"
    )
