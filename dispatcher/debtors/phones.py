"""Phone numbers as the dispatcher stores them: E.164, read with the locale's country.

Reading a number costs tens of microseconds, and a batch names the same number again
and again (one debtor, several accounts), so answers are remembered, refusals included:
the answer depends only on the text and the region.
"""

from __future__ import annotations

import functools

import phonenumbers

from dispatcher.errors import FieldProblem, InvalidRequest

__all__ = ["e164", "e164_and_country"]


def e164(raw: str, locale: str = "") -> str:
    """A phone number in E.164, read with the locale's country as the default region."""
    return e164_and_country(raw, locale)[0]


def e164_and_country(raw: str, locale: str = "") -> tuple[str, str]:
    """``e164`` and the number's country (ISO 3166, e.g. "US", "JP"), read in one go."""
    number, problem, country = _read(raw, locale.rpartition("-")[2].upper() or None)
    if problem is not None:
        raise InvalidRequest([problem])
    return number, country


@functools.lru_cache(maxsize=32_768)
def _read(raw: str, region: str | None) -> tuple[str, FieldProblem | None, str]:
    """``(E.164, None, country)``, or ``("", why not, "")``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        return "", _unreadable(exc.error_type), ""
    # is_valid_number, with the country it finds on the way kept (it costs the most).
    country = phonenumbers.region_code_for_number(number)
    if country is None or not phonenumbers.is_valid_number_for_region(number, country):
        shown = repr(raw)
        invalid = FieldProblem(
            "destination", f"{shown} is not a valid phone number", code="phone.invalid",
            params={"number": shown},
        )  # fmt: skip
        return "", invalid, ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None, country


def _unreadable(error_type: int) -> FieldProblem:
    """Why phonenumbers could not read a number, by its error type. The codes
    (``phone.*``) are what the collector's desk and other programs read: keep them."""
    errors = phonenumbers.NumberParseException
    if error_type == errors.INVALID_COUNTRY_CODE:  # or no country to read a national one in
        return FieldProblem(
            "destination", "not a phone number: its country is unknown (give it in E.164, "
            "with '+')", code="phone.no_country",
        )  # fmt: skip
    if error_type == errors.TOO_SHORT_AFTER_IDD:
        return FieldProblem(
            "destination", "not a phone number: too short after the international prefix",
            code="phone.too_short_after_idd",
        )  # fmt: skip
    if error_type == errors.TOO_SHORT_NSN:
        return FieldProblem("destination", "not a phone number: too short", code="phone.too_short")
    if error_type == errors.TOO_LONG:
        return FieldProblem("destination", "not a phone number: too long", code="phone.too_long")
    return FieldProblem(
        "destination", "not a phone number: it does not look like one", code="phone.not_a_number"
    )
