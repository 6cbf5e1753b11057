"""Which language a person reads: their own choice, else their browser's ``Accept-Language``.

A request with neither is answered in ``DEFAULT_LOCALE`` (en-US): browsers always send
``Accept-Language``, so a request without it is a program, and programs have read English
answers since the API began.
"""

from __future__ import annotations

__all__ = ["DEFAULT_LOCALE", "LOCALES", "match_locale", "negotiate"]

LOCALES: tuple[str, ...] = ("zh-CN", "en-US")
DEFAULT_LOCALE = "en-US"

# A tag's primary language decides: zh, zh-Hans, zh-TW and zh-HK read zh-CN (the only
# Chinese we write) rather than English; en-GB and en read en-US.
_BY_LANGUAGE = {locale.split("-")[0].lower(): locale for locale in LOCALES}


def match_locale(tag: str | None) -> str | None:
    """The supported locale a language tag (``zh-cn``, ``zh_Hans``, ``en``) asks for, or None."""
    if not tag:
        return None
    language = tag.strip().replace("_", "-").split("-")[0].lower()
    return _BY_LANGUAGE.get(language)


def negotiate(
    accept_language: str | None, preferred: str | None = None, default: str = DEFAULT_LOCALE
) -> str:
    """``preferred`` (a person's saved choice) if supported, else the best of the header."""
    chosen = match_locale(preferred)
    if chosen:
        return chosen
    for tag in _ranked_tags(accept_language or ""):
        if tag == "*":
            return default
        matched = match_locale(tag)
        if matched:
            return matched
    return default


def _ranked_tags(header: str) -> list[str]:
    """The header's language ranges, highest q first (ties keep their order), q=0 dropped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        if not tag:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
