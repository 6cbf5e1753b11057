"""The collector's desk: click-to-call through the pipeline, the reason a call was
deferred in the collector's language with the next allowed time on the debtor's clock,
the visits they are on, and the disposition form."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dispatcher.clock import ShiftedClock
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.workspace.access.assignments import Assignments
from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.workspace.conftest import Browser

BEIJING = ZoneInfo("Asia/Shanghai")
CN_MOBILE = "+8613800138000"


@pytest.fixture
def stack_options() -> dict[str, Any]:
    # 22:00 in Beijing: a call to a Chinese debtor must wait until 08:00.
    return {"clock": ShiftedClock(datetime(2026, 12, 1, 22, 0, tzinfo=BEIJING)),
            "workspace_company_name": "安信资产"}  # fmt: skip


async def desk_with_a_debtor(stack: Stack) -> None:
    await stack.log.collectors.upsert(
        "c-17", name="Cole", phone="+12015550101", team="催收一组", trained_on=date(2026, 1, 5)
    )
    await stack.log.upsert_debtor(
        "D-CN", locale="zh-CN", time_zone="Asia/Shanghai", country="CN",
        phones=[{"number": CN_MOBILE, "type": "mobile", "consent": True}],
    )  # fmt: skip
    await Assignments(stack.log.engine, stack.clock).assign("c-17", ["D-CN"], by="test")


async def test_click_to_call_is_deferred_and_the_desk_says_why_and_until_when(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await desk_with_a_debtor(stack)
    await browser.sign_in("cole")
    status, page = await browser.get("/workspace/desk")
    assert status == 200 and f'value="{CN_MOBILE}|D-CN"' in page and 'value="安信资产"' in page
    assert "团队或机构：催收一组" in page

    status, page, response = await browser.post(
        "/workspace/desk/call", {"target": f"{CN_MOBILE}|D-CN", "company_name": "安信资产"}
    )
    assert status == 200
    placed = response.url.query["placed"]
    call = await stack.log.get(placed)
    assert (call.channel, call.collector_id, call.debtor_ref) == ("voice", "c-17", "D-CN")

    await stack.run_worker()
    assert (await stack.log.get(placed)).status == "deferred"
    _, page = await browser.get("/workspace/desk")
    assert f'id="m-{placed}"' in page
    assert "下次允许的时间" in page and "2026年12月2日 08:00（Asia/Shanghai，UTC+08:00）" in page
    assert f'id="reason-{placed}"' in page and "推迟" in page


async def test_a_collector_may_call_only_their_own_debtors(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await desk_with_a_debtor(stack)
    await browser.sign_in("cole")
    await browser.get("/workspace/desk")
    status, page, _ = await browser.post(
        "/workspace/desk/call", {"target": "+12015550199|D-OTHER", "company_name": "x"}
    )
    assert status == 422 and "请选择分配给您的债务人的号码" in page


async def test_a_disposition_is_recorded_from_the_desk(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await desk_with_a_debtor(stack)
    await browser.sign_in("cole")
    await browser.get("/workspace/desk")
    _, _, response = await browser.post(
        "/workspace/desk/call", {"target": f"{CN_MOBILE}|D-CN", "company_name": "安信资产"}
    )
    call_id = response.url.query["placed"]
    assert await stack.log.transition(
        call_id, expect={MessageStatus.QUEUED}, to=MessageStatus.SENT,
        source=EventSource.WORKER, result="answered",
    )  # fmt: skip
    _, page = await browser.get("/workspace/desk")
    assert f'action="/workspace/desk/calls/{call_id}/disposition"' in page

    promised = (stack.clock.now() + timedelta(days=3)).date().isoformat()
    path = f"/workspace/desk/calls/{call_id}/disposition"
    status, page, _ = await browser.post(path, {"kind": "promise_to_pay", "amount": "-5"})
    assert status == 422 and "amount" in page  # the field is named
    status, page, _ = await browser.post(
        path,
        {
            "kind": "promise_to_pay",
            "amount": "500.00",
            "currency": "CNY",
            "date": promised,
            "note": "本周五",
            "reminder.debtor_name": "王伟",
            "reminder.contact_phone": "400-820-1234",
        },
    )
    assert status == 200 and f'action="{path}"' not in page
    stored = await stack.log.get(call_id)
    assert stored.disposition is not None and stored.disposition["kind"] == "promise_to_pay"
    assert stored.disposition["by"] == "c-17" and stored.result == "conversation"


async def test_the_desk_is_for_collectors(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("ann")
    assert (await browser.get("/workspace/desk"))[0] == 403
