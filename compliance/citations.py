"""A rule's citation in more than one language.

Every verdict records ``citation`` in English, as it always has: programs and older
records read it. A pack may also name its sources in another language of
``CITATION_LOCALES`` (``citation_zh-CN = "《商业银行信用卡业务监督管理办法》第六十九条"``);
the verdict records those beside it as ``citations`` (``{"zh-CN": ...}``) and a person
reads the one in their language, else the English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["CITATION_LOCALES", "Translations", "joined", "localized"]

# The languages besides English that a pack may cite its sources in.
CITATION_LOCALES: tuple[str, ...] = ("zh-CN",)

# (locale, text) pairs, in ``CITATION_LOCALES`` order: hashable, as pack rules are.
Translations = tuple[tuple[str, str], ...]

_SEPARATOR = {"zh-CN": "；"}  # between several sources; "; " in English


def joined(cited: Iterable[tuple[str, Translations]]) -> tuple[str, dict[str, str]]:
    """Several rules' sources as one citation: each source once, in English, and in every
    language any of them is named in (where one is not, its English stands)."""
    sources = list(dict.fromkeys(cited))
    if len(sources) == 1:  # the common case: one rule
        text, translations = sources[0]
        return text, dict(translations)
    english = "; ".join(dict.fromkeys(text for text, _ in sources))
    named_in = {locale for _, translations in sources for locale, _ in translations}
    by_locale = {
        locale: _SEPARATOR.get(locale, "; ").join(
            dict.fromkeys(dict(translations).get(locale, text) for text, translations in sources)
        )
        for locale in CITATION_LOCALES
        if locale in named_in
    }
    return english, by_locale


def localized(english: str, citations: Mapping[str, str] | None, locale: str) -> str:
    """The citation a reader of ``locale`` reads: theirs when recorded, else the English."""
    return (citations or {}).get(locale) or english
