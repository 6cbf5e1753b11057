"""`dispatcher worker` as a subprocess of a test, with settings of the test's own, and texts
that the compliance gate lets through at the real time of day (a subprocess runs on the
system clock, so the test picks a debtor whose local time is daytime now)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from dataclasses import fields
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dispatcher.enqueue.requests import MessageRequest
from dispatcher.settings import Settings
from tests.dispatcher.conftest import REMINDER

__all__ = ["daytime_reminder", "spawn_worker", "stop"]

_SETTINGS_ENV = frozenset(f.metadata["env"] for f in fields(Settings))

# (phone, locale, zone, variables) of two debtors whose allowed hours cover every UTC hour:
# Beijing 08:00-22:00, New York 08:00-21:00 local.
_BEIJING = (
    "+86 138 0013 8000", "zh-CN", ZoneInfo("Asia/Shanghai"), time(8), time(22),
    {"company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00", "currency": "CNY",
     "due_date": "2026-11-15", "days_overdue": 12, "contact_phone": "400-820-1234"},
)  # fmt: skip
_NEW_YORK = (
    REMINDER["destination"], "en-US", ZoneInfo("America/New_York"), time(8), time(21),
    REMINDER["variables"],
)  # fmt: skip
MARGIN = timedelta(minutes=15)  # a test that starts now is over well before the hour ends


def daytime_reminder(debtor_ref: str, now: datetime | None = None) -> MessageRequest:
    """A reminder to a debtor for whom ``now`` (default: the real time) is daytime."""
    now = now or datetime.now(UTC)
    for phone, locale, zone, start, end, variables in (_BEIJING, _NEW_YORK):
        local = now.astimezone(zone)
        opens = local.replace(hour=start.hour, minute=0, second=0, microsecond=0)
        closes = local.replace(hour=end.hour, minute=0, second=0, microsecond=0)
        if opens + MARGIN <= local <= closes - MARGIN:
            return MessageRequest(
                channel="sms", template="overdue_reminder", locale=locale, destination=phone,
                debtor_ref=debtor_ref, account_ref=f"A-{debtor_ref}", variables=dict(variables),
            )  # fmt: skip
    raise AssertionError(f"no test debtor is in daytime at {now.isoformat()}")


def worker_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a dispatcher process with ``settings`` (and nothing inherited)."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_ENV}
    for f in fields(Settings):
        value: Any = getattr(settings, f.name)
        if value is None:
            continue
        if hasattr(value, "reveal"):
            value = value.reveal()
        if isinstance(value, tuple):
            value = os.pathsep.join(str(v) for v in value)
        env[f.metadata["env"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return {**env, **extra, "PYTHONUNBUFFERED": "1"}


async def spawn_worker(
    settings: Settings, cwd: Path, *args: str, **extra: str
) -> asyncio.subprocess.Process:
    """``dispatcher worker`` with ``settings``; its output goes to ``cwd/worker.log``."""
    log = (cwd / "worker.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dispatcher", "worker", *args, cwd=cwd,
            env=worker_environment(settings, **extra), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=log,
        )  # fmt: skip
    finally:
        log.close()


async def stop(process: asyncio.subprocess.Process) -> None:
    """Kill ``process`` if it still runs (a test's clean-up)."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()
