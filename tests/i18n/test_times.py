"""Times shown to people are on the debtor's clock, with the zone and its offset."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from dispatcher.i18n import (
    Translator,
    format_local,
    format_money,
    format_rate,
    format_utc,
    iso_local,
)

MIDNIGHT_UTC = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


def test_shanghai_in_both_languages() -> None:
    assert format_local(MIDNIGHT_UTC, "Asia/Shanghai", "en-US") == (
        "2026-12-04 08:00 (Asia/Shanghai, UTC+08:00)"
    )
    assert format_local(MIDNIGHT_UTC, "Asia/Shanghai", "zh-CN") == (
        "2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）"
    )


def test_the_offset_is_the_one_at_that_instant() -> None:
    winter = format_local(MIDNIGHT_UTC, "America/New_York", "en-US")
    summer = format_local(datetime(2026, 7, 1, 12, tzinfo=UTC), "America/New_York", "en-US")
    assert winter == "2026-12-03 19:00 (America/New_York, UTC-05:00)"
    assert summer == "2026-07-01 08:00 (America/New_York, UTC-04:00)"


def test_utc_for_the_hover_title() -> None:
    assert format_utc(MIDNIGHT_UTC, "en-US") == "2026-12-04 00:00 UTC"
    assert format_utc(MIDNIGHT_UTC, "zh-CN") == "2026年12月4日 00:00（UTC）"


def test_iso_local_for_programs() -> None:
    assert iso_local(MIDNIGHT_UTC, "Asia/Shanghai") == "2026-12-04T08:00:00+08:00"
    assert iso_local(MIDNIGHT_UTC, "UTC") == "2026-12-04T00:00:00+00:00"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        format_local(datetime(2026, 12, 4, 8), "Asia/Shanghai", "en-US")


def test_translator_binds_a_locale() -> None:
    t = Translator("zh-CN")
    assert t.local(MIDNIGHT_UTC, "Asia/Shanghai").startswith("2026年12月4日 08:00")
    assert t.utc(MIDNIGHT_UTC) == "2026年12月4日 00:00（UTC）"
    assert t("common.language.en-US") == "English"


def test_numbers_by_locale() -> None:
    assert format_money(Decimal("3250"), "CNY", "zh-CN") == "¥3,250.00"
    assert format_money(Decimal("3250"), "CNY", "en-US") == "CN¥3,250.00"
    assert format_rate(0.1234, "en-US") == "12.3%"
