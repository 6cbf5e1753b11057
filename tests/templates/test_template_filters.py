"""The money and date filters, formatted in the locale of the template using them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from templates import TemplateCatalog, TemplateRenderError
from templates.filters import format_date, format_money


@pytest.fixture
def catalog(tmp_path: Path) -> TemplateCatalog:
    for locale in ("en-US", "zh-CN", "fr-FR"):
        folder = tmp_path / "sms" / locale
        folder.mkdir(parents=True)
        (folder / "money.j2").write_text("{{ amount | money(currency) }}")
        (folder / "money_default.j2").write_text("{{ amount | money }}")
        (folder / "date.j2").write_text("{{ when | date }}")
    return TemplateCatalog(tmp_path)


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("zh-CN", "CNY", "¥1,234.50"),
        ("en-US", "USD", "$1,234.50"),
        ("en-US", "CNY", "CN¥1,234.50"),
        ("zh-CN", "USD", "US$1,234.50"),
        ("en-US", "eur", "€1,234.50"),
        ("en-US", "CHF", "CHF 1,234.50"),
    ],
)
def test_money_uses_the_templates_locale(
    catalog: TemplateCatalog, locale: str, currency: str, expected: str
) -> None:
    variables = {"amount": "1234.5", "currency": currency}
    assert catalog.render("sms", "money", locale, variables).body == expected


def test_money_defaults_to_cny(catalog: TemplateCatalog) -> None:
    assert catalog.render("sms", "money_default", "zh-CN", {"amount": 5}).body == "¥5.00"
    assert catalog.render("sms", "money_default", "en-US", {"amount": 5}).body == "CN¥5.00"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1234, "$1,234.00"),
        (1234.5, "$1,234.50"),
        (0.1 + 0.2, "$0.30"),
        ("1234.5", "$1,234.50"),
        (" 99 ", "$99.00"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("0.005"), "$0.01"),  # half-up, not banker's rounding
        (Decimal("2.675"), "$2.68"),
        (0, "$0.00"),
        (Decimal("-0.001"), "$0.00"),
        (-42.5, "-$42.50"),
    ],
)
def test_money_accepts_numbers_and_always_shows_two_places(amount: object, expected: str) -> None:
    assert format_money(amount, "USD", "en-US") == expected


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("abc", "'abc' is not an amount"),
        ("1,234.50", "is not an amount"),
        ("", "is not an amount"),
        (True, "expected a number, got bool"),
        (None, "expected a number, got NoneType"),
        ([1], "expected a number, got list"),
        (float("nan"), "not a finite amount"),
        ("Infinity", "not a finite amount"),
        ("1e40", "too large"),
    ],
)
def test_money_refuses_what_is_not_an_amount(amount: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        format_money(amount, "USD", "en-US")


@pytest.mark.parametrize("currency", ["US", "USDX", "12$", "", "ÜSD"])
def test_money_refuses_a_bad_currency_code(currency: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 4217 currency code"):
        format_money(1, currency, "en-US")


def test_a_bad_amount_in_a_template_is_a_render_error(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError) as e:
        catalog.render("sms", "money", "en-US", {"amount": "abc", "currency": "USD"})
    assert e.value.problem == "money: 'abc' is not an amount"
    assert e.value.template == "sms/en-US/money"


@pytest.mark.parametrize(
    "when",
    [
        dt.date(2026, 12, 5),
        dt.datetime(2026, 12, 5, 23, 59),
        "2026-12-05",
        "2026-12-05T10:30:00+08:00",
    ],
)
def test_date_per_locale(catalog: TemplateCatalog, when: object) -> None:
    assert catalog.render("sms", "date", "zh-CN", {"when": when}).body == "2026年12月5日"
    assert catalog.render("sms", "date", "en-US", {"when": when}).body == "December 5, 2026"


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month(month: int) -> None:
    first = dt.date(2026, month, 1)
    written = format_date(first, "en-US")
    assert written.startswith(MONTHS[month - 1]) and written.endswith(" 1, 2026")
    assert format_date(first, "zh-CN") == f"2026年{month}月1日"


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("12/05/2026", "'12/05/2026' is not an ISO 8601 date"),
        ("2026-02-30", "is not an ISO 8601 date"),
        ("", "is not an ISO 8601 date"),
        (20261205, "expected a date or an ISO 8601 string, got int"),
    ],
)
def test_date_refuses_what_is_not_a_date(when: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        format_date(when, "en-US")


def test_a_bad_date_in_a_template_is_a_render_error(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError, match="is not an ISO 8601 date"):
        catalog.render("sms", "date", "zh-CN", {"when": "tomorrow"})


def test_a_locale_without_formats_is_a_render_error(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError, match="no format for locale 'fr-FR'"):
        catalog.render("sms", "money", "fr-FR", {"amount": 1, "currency": "EUR"})
