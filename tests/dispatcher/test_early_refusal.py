"""The early refusal's country of a stored destination is the gate's, number for number."""

from __future__ import annotations

import phonenumbers
import pytest

from compliance.hours.zones import UnknownLocation, country_of
from dispatcher.early_refusal import country_of_stored

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
    assert [n for n in numbers if country_of_stored(n) != country_of(n)] == []


def test_shared_codes_and_addresses() -> None:
    assert country_of_stored("+12125550134") == "US"
    assert country_of_stored("+14165550134") == "CA"
    assert country_of_stored("+17875550134") == "PR"
    assert country_of_stored("+81312345678") == "JP"
    assert country_of_stored("+390669812345") == country_of("+390669812345")  # VA or IT
    assert country_of_stored("addr:JP:abc") == "JP"
    with pytest.raises(UnknownLocation):
        country_of_stored("+999123")
