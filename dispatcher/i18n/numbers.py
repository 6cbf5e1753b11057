"""Numbers for people, by locale (Babel's CLDR data): counts, money, rates."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal, format_percent

__all__ = ["format_count", "format_money", "format_rate"]


def _babel_locale(locale: str) -> str:
    return locale.replace("-", "_")


def format_count(value: int | float | Decimal, locale: str) -> str:
    """``12,345`` (grouped as the locale groups)."""
    return str(format_decimal(value, locale=_babel_locale(locale)))


def format_money(amount: Decimal | int | float, currency: str, locale: str) -> str:
    """``¥3,250.00`` in zh-CN, ``CN¥3,250.00`` in en-US: the currency always shown."""
    return str(format_currency(amount, currency, locale=_babel_locale(locale)))


def format_rate(fraction: float | Decimal, locale: str, decimals: int = 1) -> str:
    """A fraction as a percentage with ``decimals`` places: 0.1234 → ``12.3%``."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return str(format_percent(fraction, format=pattern, locale=_babel_locale(locale)))
