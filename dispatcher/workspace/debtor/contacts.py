"""What a contact is to a person: when it happened on the debtor's clock, which campaign
it belongs to, and in which zone the debtor lives. Declared once here; the timeline, the
search and the exports all read contacts through these."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance.hours.zones import UnknownLocation, locate
from compliance.rules.pause import campaign_of
from dispatcher.contactlog.models import Debtor

__all__ = [
    "campaign_of", "contact_time", "debtor_zone", "local_date", "utc_window", "zone_of",
]  # fmt: skip

FALLBACK_ZONE = "UTC"


def contact_time(row: Any) -> datetime:
    """When the contact happened, not when it was asked for: a visit's planned time, else
    when a worker last claimed it for sending, else when it was (or is) due."""
    if row.channel == "visit":
        planned = (row.variables or {}).get("visit_at")
        if isinstance(planned, str):
            try:
                return datetime.fromisoformat(planned).astimezone(UTC)
            except ValueError:
                pass
    at: datetime = row.attempted_at or row.scheduled_for
    return at


def zone_of(time_zone: str | None, destination: str = "", country: str | None = None) -> str:
    """The debtor's zone on record, else the first zone their number or country indicates."""
    try:
        zones = locate(destination, time_zone, address_country=country).zones
    except (UnknownLocation, ValueError):
        return FALLBACK_ZONE
    for zone in zones:
        try:
            ZoneInfo(zone)
            return zone
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return FALLBACK_ZONE


async def debtor_zone(engine: AsyncEngine, debtor_ref: str, destination: str = "") -> str:
    """``zone_of`` for a debtor as the contact log records them."""
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                select(Debtor.time_zone, Debtor.country).where(Debtor.debtor_ref == debtor_ref)
            )
        ).first()
    return zone_of(
        found.time_zone if found else None, destination, found.country if found else None
    )


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def utc_window(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants that may fall on these local dates somewhere on Earth (UTC-12..+14)."""
    start = datetime.combine(first, time(), UTC) - timedelta(hours=14)
    end = datetime.combine(last + timedelta(days=1), time(), UTC) + timedelta(hours=12)
    return start, end
