"""Locale-aware formatting for money and dates, registered as template filters.

Each template is rendered in its own locale (the folder it lives in), so the
catalog builds the filters per locale with ``filters_for(locale)``:

    {{ amount | money(currency) }}   zh-CN "¥1,234.50"     en-US "$1,234.50"
    {{ due_date | date }}            zh-CN "2026年12月5日"  en-US "December 5, 2026"

A value that cannot be formatted raises ``ValueError`` naming the filter and the
value; the catalog turns it into a ``TemplateRenderError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from templates.errors import FilterError

__all__ = ["LOCALES", "LocaleFormat", "filters_for", "format_date", "format_money", "to_amount"]

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LocaleFormat:
    currency_symbols: dict[str, str]  # ISO 4217 code -> symbol as written in this locale
    date: Callable[[dt.date], str]


_EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()

# Symbols follow CLDR, except that no non-breaking spaces are used: they would turn
# an otherwise GSM-7 SMS into UCS-2 and more than double its cost.
LOCALES: dict[str, LocaleFormat] = {
    "en-US": LocaleFormat(
        currency_symbols={"USD": "$", "CNY": "CN¥", "EUR": "€", "GBP": "£", "HKD": "HK$"},
        date=lambda d: f"{_EN_MONTHS[d.month - 1]} {d.day}, {d.year}",
    ),
    "zh-CN": LocaleFormat(
        currency_symbols={"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "HKD": "HK$"},
        date=lambda d: f"{d.year}年{d.month}月{d.day}日",
    ),
}


def to_amount(value: object) -> Decimal:
    """``value`` as a finite Decimal rounded half-up to cents; ``ValueError`` if it is not one."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest decimal that round-trips: 0.1 -> "0.1"
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise FilterError(
                f"money: {value!r} is not an amount", "filter.not_an_amount", value=repr(value)
            ) from None
    else:
        kind = type(value).__name__
        raise FilterError(
            f"money: expected a number, got {kind} {value!r}", "filter.not_a_number",
            type=kind, value=repr(value),
        )  # fmt: skip
    if not amount.is_finite():
        raise FilterError(
            f"money: {value!r} is not a finite amount", "filter.not_finite", value=repr(value)
        )
    try:
        return amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise FilterError(
            f"money: {value!r} is too large an amount", "filter.too_large", value=repr(value)
        ) from None


def format_money(amount: object, currency: str, locale: str) -> str:
    """``amount`` with two decimal places, thousands separators and the currency's symbol."""
    symbols = _locale(locale, "money").currency_symbols
    valid = isinstance(currency, str) and len(currency) == 3
    if not (valid and currency.isascii() and currency.isalpha()):
        raise FilterError(
            f"money: {currency!r} is not an ISO 4217 currency code", "filter.not_a_currency",
            currency=repr(currency),
        )  # fmt: skip
    code = currency.upper()
    value = to_amount(amount)
    symbol = symbols.get(code, f"{code} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def format_date(value: object, locale: str) -> str:
    """A ``datetime.date`` (or ISO 8601 date/date-time string) written out in ``locale``."""
    date_format = _locale(locale, "date").date
    if isinstance(value, dt.datetime):
        return date_format(value.date())
    if isinstance(value, dt.date):
        return date_format(value)
    if isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value))
        except ValueError:
            pass
        try:
            return date_format(dt.datetime.fromisoformat(value).date())
        except ValueError:
            raise FilterError(
                f"date: {value!r} is not an ISO 8601 date", "filter.not_a_date",
                value=repr(value),
            ) from None  # fmt: skip
    kind = type(value).__name__
    raise FilterError(
        f"date: expected a date or an ISO 8601 string, got {kind}", "filter.not_a_date_type",
        type=kind,
    )  # fmt: skip


def filters_for(locale: str) -> dict[str, Callable[..., Any]]:
    """The template filters, bound to ``locale``."""

    def money(amount: object, currency: str = "CNY") -> str:
        return format_money(amount, currency, locale)

    def date(value: object) -> str:
        return format_date(value, locale)

    return {"money": money, "date": date}


def _locale(locale: str, filter_name: str) -> LocaleFormat:
    try:
        return LOCALES[locale]
    except KeyError:
        known = ", ".join(sorted(LOCALES))
        problem = f"{filter_name}: no format for locale {locale!r}; known: {known}"
        raise ValueError(problem) from None
