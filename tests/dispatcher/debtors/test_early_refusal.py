"""The country early refusal reads with a number (as it checks it) is the gate's, number for
number: the gate reads it again from the stored E.164 at send time."""

from __future__ import annotations

import phonenumbers
import pytest

from compliance.hours.zones import country_of
from dispatcher.debtors.phones import e164_and_country
from dispatcher.errors import InvalidRequest

TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)


def examples() -> list[str]:
    """An example number of each type in every region phonenumbers knows (673 or so)."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                )
    return found


def test_every_regions_examples_get_the_gates_country() -> None:
    numbers = examples()
    assert len(numbers) > 500
    read = {n: e164_and_country(n) for n in numbers}
    assert [n for n, (stored, country) in read.items() if country != country_of(stored)] == []


def test_shared_codes_and_national_numbers() -> None:
    assert e164_and_country("+1 212 555 0134")[1] == "US"
    assert e164_and_country("+1 416 555 0134")[1] == "CA"
    assert e164_and_country("+1 787 555 0134")[1] == "PR"
    assert e164_and_country("03-1234-5678", "ja-JP") == ("+81312345678", "JP")
    with pytest.raises(InvalidRequest):
        e164_and_country("+999123")
