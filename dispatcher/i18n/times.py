"""Times for people: the debtor's local time with its zone, and UTC for a hover title.

    format_local(t, "Asia/Shanghai", "en-US")  → '2026-12-04 08:00 (Asia/Shanghai, UTC+08:00)'
    format_local(t, "Asia/Shanghai", "zh-CN")  → '2026年12月4日 08:00（Asia/Shanghai，UTC+08:00）'
    format_utc(t, "en-US")                      → '2026-12-04 00:00 UTC'
    iso_local(t, "Asia/Shanghai")               → '2026-12-04T08:00:00+08:00'

Date and time patterns (CLDR syntax, run by Babel) and the sentence around them live in
the ``common`` catalogs, so each language decides its own shape.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_datetime

from dispatcher.i18n.catalog import translate

__all__ = ["format_local", "format_utc", "iso_local", "utc_offset"]


@functools.cache
def _babel_locale(locale: str) -> Locale:
    # Parsed once: a long export formats a time per row, and parsing is a third of it.
    return Locale.parse(locale.replace("-", "_"))


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone; times shown to people must be aware")


def utc_offset(instant: datetime, zone: str) -> str:
    """``+08:00`` for Shanghai, ``-05:00`` for New York in winter (the offset at that instant)."""
    _require_aware(instant)
    local = instant.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z") or "+0000"
    return f"{offset[:3]}:{offset[3:5]}"


def format_local(instant: datetime, zone: str, locale: str) -> str:
    """The instant on the debtor's clock in ``zone`` (an IANA name), naming the zone."""
    _require_aware(instant)
    tz = ZoneInfo(zone)
    when = format_datetime(
        instant, translate(locale, "common.time.pattern"), tzinfo=tz,
        locale=_babel_locale(locale),
    )  # fmt: skip
    return translate(
        locale, "common.time.local", when=when, zone=zone, offset=utc_offset(instant, zone)
    )


def format_utc(instant: datetime, locale: str) -> str:
    """The same instant in UTC (for a hover title beside the local time)."""
    _require_aware(instant)
    when = format_datetime(
        instant, translate(locale, "common.time.pattern"), tzinfo=UTC,
        locale=_babel_locale(locale),
    )  # fmt: skip
    return translate(locale, "common.time.utc", when=when)


def iso_local(instant: datetime, zone: str) -> str:
    """ISO 8601 on the debtor's clock with its offset, for programs."""
    _require_aware(instant)
    return instant.astimezone(ZoneInfo(zone)).isoformat()
