"""Quiet hours through the whole pipeline: a text queued at 20:58 that a worker picks up
at 21:02 New York time waits until 08:00; a Chinese debtor's at 22:00 until 08:00 Beijing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dispatcher.clock import ShiftedClock
from tests.dispatcher.conftest import Stack, reminder

NEW_YORK, BEIJING = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"clock": ShiftedClock(datetime(2026, 11, 30, 21, 2, tzinfo=NEW_YORK))}


async def test_a_text_picked_up_at_21_02_waits_until_08_00_local(stack: Stack) -> None:
    message_id = await stack.send()

    await stack.run_worker()

    message = (await stack.view(message_id)).message
    assert message["status"] == "deferred"
    assert message["verdict"]["rule_id"] == "hours.allowed_window"
    assert message["scheduled_for"].astimezone(NEW_YORK) == datetime(
        2026, 12, 1, 8, 0, tzinfo=NEW_YORK
    )
    rule = next(r for r in message["verdict"]["rules"] if r["rule_id"] == "hours.allowed_window")
    assert rule["inputs"]["zones"] == ["America/New_York"]
    assert "12 CFR 1006.6(b)(1)(i)" in rule["citation"]
    assert len(stack.twilio.requests) == 0


async def test_a_chinese_debtor_at_22_00_beijing_waits_until_08_00(stack: Stack) -> None:
    # 21:02 in New York is 10:02 in Beijing; record the Chinese debtor's own clock at 22:00.
    stack.clock = ShiftedClock(datetime(2026, 12, 1, 22, 0, tzinfo=BEIJING))
    stack.client.log.clock = stack.clock
    zh = reminder(
        locale="zh-CN", destination="+86 138 0013 8000", debtor_ref="D-CN",
        variables={"company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00",
                   "currency": "CNY", "due_date": "2026-11-15", "days_overdue": 12,
                   "contact_phone": "400-820-1234"},
    )  # fmt: skip
    message_id = (await stack.client.send(zh)).message_id

    await stack.run_worker()

    message = (await stack.view(message_id)).message
    assert message["status"] == "deferred"
    assert message["scheduled_for"].astimezone(BEIJING) == datetime(
        2026, 12, 2, 8, 0, tzinfo=BEIJING
    )


async def test_a_time_the_debtor_agreed_to_overrides_quiet_hours(stack: Stack) -> None:
    agreed = datetime(2026, 11, 30, 22, 0, tzinfo=NEW_YORK)
    await stack.log.upsert_debtor("D-1", country="US", agreed_contact_until=agreed)
    message_id = await stack.send()

    await stack.run_worker()

    message = (await stack.view(message_id)).message
    assert message["status"] in {"sent", "delivered"}
    rule = next(r for r in message["verdict"]["rules"] if r["rule_id"] == "hours.allowed_window")
    assert rule["inputs"]["agreed_until"] == agreed.astimezone(UTC).isoformat()


async def test_times_the_debtor_called_inconvenient_are_honoured(stack: Stack) -> None:
    # Monday 21:02 is outside hours anyway; make Tuesday 08:00-10:00 inconvenient too.
    await stack.log.upsert_debtor(
        "D-1", country="US",
        inconvenient_times=[{"weekdays": [1], "start": "08:00", "end": "10:00"}],
    )  # fmt: skip
    message_id = await stack.send()

    await stack.run_worker()

    message = (await stack.view(message_id)).message
    assert message["status"] == "deferred"
    assert message["scheduled_for"].astimezone(NEW_YORK) == datetime(
        2026, 12, 1, 10, 0, tzinfo=NEW_YORK
    )


async def test_malformed_inconvenient_times_are_refused_naming_the_field(stack: Stack) -> None:
    from dispatcher.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as refused:
        await stack.log.upsert_debtor(
            "D-1", inconvenient_times=[{"weekdays": [9], "start": "08:00", "end": "10:00"}]
        )
    assert refused.value.problems[0].field == "inconvenient_times[0].weekdays"
