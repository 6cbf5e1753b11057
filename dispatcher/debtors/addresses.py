"""Postal addresses as the dispatcher stores them, and the key holds and caps use for one.

A letter's or visit's ``destination`` is the address's key (``addr:``, the country and a
digest of its normalised lines), so an opt-out, a "returned to sender" or a do-not-visit
on one address works like one on a phone number.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from channels.base import PostalAddress
from dispatcher.errors import FieldProblem, InvalidRequest

__all__ = ["address_key", "checked_address", "place_problems", "postal_address"]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_LINES = 5
MAX_LINE = 200


def checked_address(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The address as stored, or InvalidRequest naming each bad field."""
    if raw is None:
        raise InvalidRequest.of(
            "address", "letters and visits need an address", code="address.required"
        )
    problems = []
    name = raw.get("name")
    lines = raw.get("lines")
    country = raw.get("country")
    postal_code = raw.get("postal_code")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_LINE:
        problems.append(
            FieldProblem(
                "address.name",
                f"must be 1 to {MAX_LINE} characters",
                code="length",
                params={"max": MAX_LINE},
            )
        )
    problems += place_problems(lines, country, postal_code)
    unknown = sorted(set(raw) - {"name", "lines", "country", "postal_code"})
    if unknown:
        names = ", ".join(unknown)
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
    assert isinstance(name, str) and isinstance(lines, list) and isinstance(country, str)
    return {
        "name": name.strip(),
        "lines": [line.strip() for line in lines],
        "country": country,
        "postal_code": postal_code.strip() if isinstance(postal_code, str) else None,
    }


def place_problems(lines: Any, country: Any, postal_code: Any) -> list[FieldProblem]:
    """What is wrong with an address's lines, country and postal code (any address)."""
    problems = []
    if (
        not isinstance(lines, list)
        or not 1 <= len(lines) <= MAX_LINES
        or not all(isinstance(x, str) and x.strip() and len(x) <= MAX_LINE for x in lines)
    ):
        problems.append(
            FieldProblem(
                "address.lines",
                "must be 1 to 5 non-empty lines of up to 200 characters",
                code="address.lines.invalid",
            )
        )
    if not isinstance(country, str) or not _COUNTRY.match(country):
        problems.append(
            FieldProblem(
                "address.country",
                "must be an ISO 3166-1 code like US, CN",
                code="address.country.pattern",
            )
        )
    if postal_code is not None and (not isinstance(postal_code, str) or len(postal_code) > 20):
        problems.append(
            FieldProblem(
                "address.postal_code",
                "must be a string of up to 20",
                code="address.postal_code.invalid",
            )
        )
    return problems


def address_key(address: Mapping[str, Any]) -> str:
    """The same place gives the same key, whatever the case, width or spacing."""
    parts = [*address["lines"], address.get("postal_code") or "", address["country"]]
    normal = "|".join(
        " ".join(unicodedata.normalize("NFKC", part).casefold().split()) for part in parts
    )
    digest = hashlib.blake2b(normal.encode(), digest_size=12).hexdigest()
    return f"addr:{address['country']}:{digest}"


def postal_address(stored: Mapping[str, Any]) -> PostalAddress:
    return PostalAddress(
        name=stored["name"],
        lines=tuple(stored["lines"]),
        country=stored["country"],
        postal_code=stored.get("postal_code"),
    )
