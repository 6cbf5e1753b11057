"""One check for a debtor's record: the Python client's ``upsert_debtor`` refuses what the
HTTP API refuses, naming the field, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Debtor
from dispatcher.contactlog.store import ContactLog
from dispatcher.debtors.record import checked_debtor
from dispatcher.errors import InvalidRequest

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


async def test_upsert_debtor_refuses_an_unknown_time_zone_and_stores_nothing(
    engine: AsyncEngine,
) -> None:
    log = ContactLog(engine, FrozenClock(NOW))
    with pytest.raises(InvalidRequest) as refused:
        await log.upsert_debtor("D-1", time_zone="Mars/Olympus", country="US")
    assert [p.field for p in refused.value.problems] == ["time_zone"]
    assert "Mars/Olympus" in refused.value.problems[0].problem
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Debtor))).scalar_one() == 0
    stored = await log.upsert_debtor("D-1", time_zone="America/New_York", country="US")
    assert stored["time_zone"] == "America/New_York"


def test_every_problem_of_a_record_is_named_at_once() -> None:
    with pytest.raises(InvalidRequest) as refused:
        checked_debtor(
            time_zone="Nowhere/Else", country="china", packs=["nowhere"],
            phones=[{"number": "+12125550134", "type": "pager"}],
            inconvenient_times=[{"weekdays": [9], "start": "15:00", "end": "17:00"}],
        )  # fmt: skip
    fields = {p.field for p in refused.value.problems}
    assert {"time_zone", "country", "packs", "phones[0].type"} <= fields
    assert "inconvenient_times[0].weekdays" in fields
