"""Phone numbers as the dispatcher stores them: E.164, read with the locale's country.

Reading a number costs tens of microseconds, and a batch names the same number again
and again (one debtor, several accounts), so answers are remembered, refusals included:
the answer depends only on the text and the region.
"""

from __future__ import annotations

import functools

import phonenumbers

from dispatcher.errors import InvalidRequest

__all__ = ["e164"]


def e164(raw: str, locale: str = "") -> str:
    """A phone number in E.164, read with the locale's country as the default region."""
    number, problem = _read(raw, locale.rpartition("-")[2].upper() or None)
    if problem is not None:
        raise InvalidRequest.of("destination", problem)
    return number


@functools.lru_cache(maxsize=32_768)
def _read(raw: str, region: str | None) -> tuple[str, str | None]:
    """``(E.164, None)``, or ``("", why not)``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        return "", f"not a phone number: {exc}"
    if not phonenumbers.is_valid_number(number):
        return "", f"{raw!r} is not a valid phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
