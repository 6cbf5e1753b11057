"""Visits through the whole pipeline: a real worker, Redis and the contact log.

A visit is booked for a set time: the hours rule checks that time, and the pipeline
refuses (blocks) a visit a rule would move. The collectors' credentials are checked on
the visit's own date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dispatcher.enqueue.requests import MessageRequest
from dispatcher.errors import InvalidRequest
from tests.dispatcher.conftest import Stack

BEIJING = ZoneInfo("Asia/Shanghai")
# The stack's clock: Monday 2026-11-30 21:30 Beijing time.


async def book_visit(
    stack: Stack, at: datetime, *collector_ids: str, refuse_early: bool = True
) -> str:
    await stack.log.upsert_debtor("D-CN", country="CN", time_zone="Asia/Shanghai")
    request = MessageRequest(
        channel="visit", template="visit_notice", locale="zh-CN", destination="",
        debtor_ref="D-CN", account_ref="A-CN", collector_ids=collector_ids,
        address={"name": "王伟", "lines": ["上海市浦东新区世纪大道100号"], "country": "CN"},
        variables={"visit_at": at.isoformat(), "visit_time_local": f"{at:%Y-%m-%d %H:%M}",
                   "address_text": "上海市浦东新区世纪大道100号", "debtor_name": "王伟"},
    )  # fmt: skip
    return (await stack.client.send(request, refuse_early=refuse_early)).message_id


async def register(stack: Stack, collector_id: str, **fields: Any) -> None:
    defaults: dict[str, Any] = {"trained_on": date(2026, 1, 5), "credential_expires": None}
    await stack.log.collectors.upsert(
        collector_id, name=f"催收员 {collector_id}", phone="+8613800000000",
        **{**defaults, **fields},
    )  # fmt: skip


async def test_a_visit_booked_for_22_30_beijing_is_blocked(stack: Stack) -> None:
    await register(stack, "c-1")
    await register(stack, "c-2")
    message_id = await book_visit(
        stack, datetime(2026, 11, 30, 22, 30, tzinfo=BEIJING), "c-1", "c-2"
    )
    await stack.run_worker()
    view = await stack.view(message_id)
    assert view.status == "blocked"
    verdict = view.message["verdict"]
    assert verdict["rule_id"] == "visit.fixed_time"
    hours = {r["rule_id"]: r for r in verdict["rules"]}["hours.allowed_window"]
    assert hours["decision"] == "defer"


async def test_a_visit_with_an_expired_collector_is_blocked_naming_them(stack: Stack) -> None:
    await register(stack, "c-1")
    await register(stack, "c-old", credential_expires=date(2026, 11, 29))
    at = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
    with pytest.raises(InvalidRequest) as refused:  # the client refuses it at once...
        await book_visit(stack, at, "c-1", "c-old")
    assert [p.field for p in refused.value.problems] == ["collector_ids[1]"]
    # ...and the gate, should it get there (the registry changed after enqueue), blocks it.
    message_id = await book_visit(stack, at, "c-1", "c-old", refuse_early=False)
    await stack.run_worker()
    view = await stack.view(message_id)
    assert view.status == "blocked"
    verdict = view.message["verdict"]
    assert verdict["rule_id"] == "collector.credential"
    assert "c-old's credential expired on 2026-11-29" in verdict["reason"]
    assert "c-1" not in verdict["reason"]


async def test_a_visit_in_the_day_by_two_trained_collectors_goes(stack: Stack) -> None:
    await register(stack, "c-1")
    await register(stack, "c-2")
    message_id = await book_visit(stack, datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING), "c-1", "c-2")
    await stack.run_worker()
    view = await stack.view(message_id)
    assert view.status in ("sent", "delivered"), view.message["verdict"]
