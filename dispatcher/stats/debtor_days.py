"""The period on the debtor's clock, for what carries an instant but no zone (opt-out
holds, risk flags): every figure counts by the debtor's local day, these too.

Such rows are read with a day's margin on each side of the period in UTC (no zone is a
day away from UTC), joined with the debtor's recorded zone, and each is kept if its
instant falls inside the period on that clock — on UTC's when the debtor has no zone
recorded (or the row names no debtor).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from dispatcher.stats.checks import zone_for

if TYPE_CHECKING:
    from dispatcher.stats.query import StatsFilter

__all__ = ["on_a_local_day", "utc_window"]

MARGIN = timedelta(days=1)


def utc_window(wanted: StatsFilter) -> tuple[datetime, datetime]:
    """Every instant on a day of the period in some zone lies in ``[start, end)``."""
    start = datetime.combine(wanted.start, time(), UTC) - MARGIN
    end = datetime.combine(wanted.end + timedelta(days=1), time(), UTC) + MARGIN
    return start, end


def on_a_local_day(instant: datetime, time_zone: str | None, wanted: StatsFilter) -> bool:
    """Whether ``instant`` falls on a day of the period on the debtor's clock."""
    return wanted.start <= instant.astimezone(zone_for(time_zone, None)).date() <= wanted.end
