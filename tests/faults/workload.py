"""What the trials send: texts and calls the compliance gate allows now, at any hour.

Every debtor is a US debtor on record with Regulation F's pack only (``us-regf``: no cap
on texts; the company's own caps, which would stop the identical texts of trial 5, are
not what these trials are about), in a time zone where it is about midday now, so the
08:00-21:00 window is open for the whole trial wherever and whenever the suite runs.
Each debtor gets a number of its own, so the sweep's lookups by number see one
debtor's messages only (but for trial 5's, which all go to one number on purpose).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dispatcher.contactlog.store import ContactLog
from dispatcher.enqueue.requests import MessageRequest

__all__ = [
    "REMINDER_VARIABLES",
    "daytime_zone",
    "identical_texts",
    "number_for",
    "record_debtors",
    "texts",
    "voice_reminders",
]

REMINDER_VARIABLES: dict[str, Any] = {
    "company_name": "Harbor Recovery",
    "debtor_name": "Maria Garcia",
    "amount": "1240.00",
    "currency": "USD",
    "due_date": "2026-11-15",
    "days_overdue": 13,
    "contact_phone": "(800) 555-0199",
}
TRIAL_PACKS = ("us-regf",)
CALL_VARIABLES = {k: v for k, v in REMINDER_VARIABLES.items() if k != "days_overdue"}


def daytime_zone(now: datetime | None = None) -> str:
    """A fixed-offset zone where the local time is between 11:00 and 14:00 now."""
    now = now or datetime.now(UTC)
    hours_east = round(12.5 - (now.hour + now.minute / 60))
    hours_east = (hours_east + 12) % 24 - 12  # Etc/GMT zones run from -12 to +12
    name = "Etc/GMT" if hours_east == 0 else f"Etc/GMT{-hours_east:+d}"  # POSIX sign: inverted
    local = now.astimezone(ZoneInfo(name))
    assert 10 <= local.hour <= 15, f"{name} is at {local:%H:%M}, not about midday"
    return name


def number_for(index: int) -> str:
    """A valid New Jersey number of its own for each debtor index (0-9999)."""
    if not 0 <= index < 10_000:
        raise ValueError(f"index must be 0-9999, not {index}")
    return f"+1201555{index:04d}"


async def record_debtors(log: ContactLog, debtor_refs: Sequence[str], zone: str) -> None:
    """Put each debtor on record in ``zone`` (a few at a time: one transaction each)."""
    refs = sorted(set(debtor_refs))
    for start in range(0, len(refs), 50):
        await asyncio.gather(
            *(
                log.upsert_debtor(ref, time_zone=zone, packs=list(TRIAL_PACKS))
                for ref in refs[start : start + 50]
            )
        )


def texts(run: str, count: int, *, first: int = 0) -> list[MessageRequest]:
    """``count`` overdue reminders, each to a debtor and a number of its own."""
    return [
        MessageRequest(
            channel="sms", template="overdue_reminder", locale="en-US",
            destination=number_for(first + i), debtor_ref=f"{run}-D{first + i}",
            account_ref=f"{run}-A{first + i}", idempotency_key=f"{run}:{first + i}",
            variables=dict(REMINDER_VARIABLES),
        )
        for i in range(count)
    ]  # fmt: skip


def identical_texts(run: str, count: int, *, index: int = 0) -> list[MessageRequest]:
    """``count`` reminders with the very same text to one debtor's one number."""
    return [
        MessageRequest(
            channel="sms", template="overdue_reminder", locale="en-US",
            destination=number_for(index), debtor_ref=f"{run}-D{index}",
            account_ref=f"{run}-A{index}", idempotency_key=f"{run}:same:{i}",
            variables=dict(REMINDER_VARIABLES),
        )
        for i in range(count)
    ]  # fmt: skip


def voice_reminders(run: str, count: int, *, first: int = 0) -> list[MessageRequest]:
    """``count`` automated voice reminders, each to a debtor and a number of its own."""
    return [
        MessageRequest(
            channel="voice", template="payment_reminder", locale="en-US",
            destination=number_for(first + i), debtor_ref=f"{run}-D{first + i}",
            account_ref=f"{run}-A{first + i}", idempotency_key=f"{run}:call:{first + i}",
            variables=dict(CALL_VARIABLES),
        )
        for i in range(count)
    ]  # fmt: skip
