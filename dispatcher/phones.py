"""Phone numbers as the dispatcher stores them: E.164, read with the locale's country."""

from __future__ import annotations

import phonenumbers

from dispatcher.errors import InvalidRequest

__all__ = ["e164"]


def e164(raw: str, locale: str = "") -> str:
    """A phone number in E.164, read with the locale's country as the default region."""
    region = locale.rpartition("-")[2].upper() or None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRequest.of("destination", f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidRequest.of("destination", f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
