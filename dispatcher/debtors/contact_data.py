"""A debtor's contact data as the contact log stores it: phones, home address, accounts.

Each ``checked_*`` function returns the value as stored or raises ``InvalidRequest``
naming every bad field (``phones[1].type``, ``address.region``, ``amount``). Numbers are
stored in E.164; a number's ``consent`` is the debtor's prior express consent to
automated calls and texts to it (TCPA), with when it was given if known.

``subject_fields`` is what the compliance rules get from it for one message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from compliance.hours.zones import UnknownLocation, region_zones, zones_of_country
from compliance.packs import PHONE_TYPES
from dispatcher.debtors.addresses import place_problems
from dispatcher.debtors.phones import e164
from dispatcher.errors import FieldProblem, InvalidRequest

__all__ = [
    "MAX_PHONES",
    "PHONE_TYPES",
    "checked_account",
    "checked_home_address",
    "checked_phones",
    "subject_fields",
]

MAX_PHONES = 20
MAX_NUMBER = 32  # characters, as given (spaces and dashes included)
_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z0-9]{1,8}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_PHONE_FIELDS = frozenset({"number", "type", "consent", "consent_at"})
_ADDRESS_FIELDS = frozenset({"lines", "postal_code", "country", "region"})
# Regions placed by a table of their own (regions.toml): a region there must be known.
_REGIONAL_COUNTRIES = frozenset({"US", "CA"})
MAX_AMOUNT = Decimal("1e16")
MAX_DAYS_OVERDUE = 36_500


def checked_phones(raw: Any, *, locale: str = "") -> list[dict[str, Any]] | None:
    """The debtor's numbers as stored; a national number is read with ``locale``'s country."""
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_PHONES:
        raise InvalidRequest.of(
            "phones", f"must be a list of at most {MAX_PHONES} numbers", code="phone.too_many",
            params={"max": MAX_PHONES},
        )  # fmt: skip
    problems: list[FieldProblem] = []
    stored: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        phone = _checked_phone(f"phones[{index}]", entry, locale, problems)
        if phone is None:
            continue
        if phone["number"] in seen:
            problems.append(
                FieldProblem(f"phones[{index}].number", "listed twice", code="phone.listed_twice")
            )
        seen.add(phone["number"])
        stored.append(phone)
    if problems:
        raise InvalidRequest(problems)
    return stored


def _checked_phone(
    field: str, entry: Any, locale: str, problems: list[FieldProblem]
) -> dict[str, Any] | None:
    if not isinstance(entry, Mapping):
        problems.append(
            FieldProblem(field, "must be an object with number and type", code="phone.not_object")
        )
        return None
    before = len(problems)
    number = entry.get("number")
    if not isinstance(number, str) or not number.strip() or len(number) > MAX_NUMBER:
        problems.append(
            FieldProblem(
                f"{field}.number",
                f"is required: up to {MAX_NUMBER} characters, E.164",
                code="phone.number.required",
                params={"max": MAX_NUMBER},
            )
        )
    else:
        try:
            number = e164(number, locale)
        except InvalidRequest as exc:
            first = exc.problems[0]
            problems.append(
                FieldProblem(f"{field}.number", first.problem, code=first.code, params=first.params)
            )
    kind = entry.get("type")
    if kind not in PHONE_TYPES:
        known = ", ".join(PHONE_TYPES)
        problems.append(
            FieldProblem(
                f"{field}.type",
                f"must be one of {known}",
                code="phone.type.unknown",
                params={"known": known},
            )
        )
    consent = entry.get("consent", False)
    if not isinstance(consent, bool):
        problems.append(
            FieldProblem(f"{field}.consent", "must be true or false", code="not_boolean")
        )
    consent_at = _consent_time(entry.get("consent_at"), f"{field}.consent_at", problems)
    if consent_at is not None and consent is not True:
        problems.append(
            FieldProblem(
                f"{field}.consent_at",
                "given without consent: true",
                code="phone.consent_at.without_consent",
            )
        )
    unknown = sorted(set(entry) - _PHONE_FIELDS)
    if unknown:
        names = ", ".join(map(str, unknown))
        problems.append(
            FieldProblem(
                field, f"unknown field(s): {names}", code="unknown_fields", params={"names": names}
            )
        )
    if len(problems) > before:
        return None
    phone: dict[str, Any] = {"number": number, "type": kind, "consent": consent}
    if consent_at is not None:
        phone["consent_at"] = consent_at
    return phone


def _consent_time(raw: Any, field: str, problems: list[FieldProblem]) -> str | None:
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        problems.append(
            FieldProblem(
                field,
                "must be an ISO 8601 time with a UTC offset",
                code="phone.consent_at.not_a_time",
            )
        )
        return None
    return at.astimezone(UTC).isoformat()


def checked_home_address(raw: Any) -> dict[str, Any] | None:
    """Where the debtor lives, as stored: ``lines``, ``postal_code``, ``country``, ``region``.

    The rules of ``dispatcher.debtors.addresses.checked_address`` without a name, plus an optional
    region (state or province); in the US and Canada it must be one the hours rule can
    place, elsewhere the country must have time zones on record.
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidRequest.of(
            "address", "must be an object with lines and country", code="address.not_object"
        )
    lines, country = raw.get("lines"), raw.get("country")
    postal_code, region = raw.get("postal_code"), raw.get("region")
    problems = place_problems(lines, country, postal_code)
    if isinstance(country, str) and _COUNTRY.fullmatch(country) and not _has_zones(country):
        problems.append(
            FieldProblem(
                "address.country",
                f"no time zones known for {country}",
                code="address.country.no_zones",
                params={"country": country},
            )
        )
    if region is not None and (not isinstance(region, str) or not _REGION.fullmatch(region)):
        problems.append(
            FieldProblem(
                "address.region", "must be a code like MA or ON", code="address.region.pattern"
            )
        )
    elif (
        region is not None
        and country in _REGIONAL_COUNTRIES
        and region_zones(str(country), region) is None
    ):
        problems.append(
            FieldProblem(
                "address.region",
                f"not a known region of {country}",
                code="address.region.unknown",
                params={"country": country},
            )
        )
    unknown = sorted(set(raw) - _ADDRESS_FIELDS)
    if unknown:
        names = ", ".join(map(str, unknown))
        problems.append(
            FieldProblem(
                "address",
                f"unknown field(s): {names}",
                code="unknown_fields",
                params={"names": names},
            )
        )
    if problems:
        raise InvalidRequest(problems)
    assert isinstance(lines, list) and isinstance(country, str)
    return {
        "lines": [line.strip() for line in lines],
        "postal_code": postal_code.strip() if isinstance(postal_code, str) else None,
        "country": country,
        "region": region,
    }


def _has_zones(country: str) -> bool:
    try:
        return bool(zones_of_country(country))
    except UnknownLocation:
        return False


def checked_account(amount: Any, currency: Any, days_overdue: Any) -> tuple[Decimal, str, int]:
    """An account's amount (exact, at most 2 decimals), currency (ISO 4217), days overdue."""
    problems = []
    value = _amount(amount)
    if value is None:
        problems.append(
            FieldProblem(
                "amount",
                "must be a decimal number, at most 2 decimals, under 10^16",
                code="account.amount.invalid",
            )
        )
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        problems.append(
            FieldProblem(
                "currency",
                "must be an ISO 4217 code like USD, CNY",
                code="account.currency.invalid",
            )
        )
    if (
        not isinstance(days_overdue, int)
        or isinstance(days_overdue, bool)
        or not 0 <= days_overdue <= MAX_DAYS_OVERDUE
    ):
        problems.append(
            FieldProblem(
                "days_overdue",
                f"must be an integer 0 to {MAX_DAYS_OVERDUE}",
                code="account.days_overdue.range",
                params={"max": MAX_DAYS_OVERDUE},
            )
        )
    if problems:
        raise InvalidRequest(problems)
    assert value is not None and isinstance(currency, str)
    return value, currency, days_overdue


def _amount(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None  # a float is refused: it cannot say 0.10 exactly
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= MAX_AMOUNT or value != round(value, 2):
        return None
    return round(value, 2)


def subject_fields(
    phones: list[dict[str, Any]] | None,
    address: Mapping[str, Any] | None,
    destination: str,
) -> dict[str, Any]:
    """What the rules learn from the debtor's contact data about a message to ``destination``:
    the number's type and consent, the debtor's other (work, other) numbers, the address."""
    phones = phones or []
    own = next((p for p in phones if p.get("number") == destination), None)
    return {
        "destination_type": own.get("type") if own else None,
        "destination_consent": bool(own and own.get("consent") is True),
        "other_numbers": tuple(p["number"] for p in phones if p.get("type") in ("work", "other")),
        "debtor_address_country": (address or {}).get("country"),
        "debtor_address_region": (address or {}).get("region"),
    }
