"""Search by the time of contact on the debtor's calendar, by collector and campaign;
exports as CSV (with a BOM) and XLSX; collectors' searches see only their debtors."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest

from dispatcher.workspace.access.people import PeopleStore
from dispatcher.workspace.search.pages import PAGE_SIZE
from tests.dispatcher.conftest import Stack
from tests.workspace.conftest import Browser
from tests.workspace.seed import insert_contact, seed

SHANGHAI_3_DEC = {"contact_from": "2026-12-03"}


async def test_a_visit_on_3_december_is_found_by_3_december_not_by_when_it_was_made(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await stack.log.upsert_debtor("D-CN", time_zone="Asia/Shanghai", country="CN")
    visit = await insert_contact(
        stack, channel="visit", destination="", collector_ids=["c-17", "c-18"],
        collector_id="c-17", variables={"visit_at": "2026-12-03T10:00:00+08:00"},
        at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),  # claimed (the notice went out) earlier
    )  # fmt: skip
    # 17:30 UTC on 2 December is 01:30 on 3 December in Shanghai: the debtor's 3 December.
    late_text = await insert_contact(stack, at=datetime(2026, 12, 2, 17, 30, tzinfo=UTC))
    # 16:30 UTC on 3 December is already 4 December in Shanghai.
    next_day = await insert_contact(stack, at=datetime(2026, 12, 3, 16, 30, tzinfo=UTC))
    await browser.sign_in("ann")

    _, page = await browser.get("/workspace/search", **SHANGHAI_3_DEC)
    assert f"#m-{visit}" in page and f"#m-{late_text}" in page
    assert f"#m-{next_day}" not in page
    _, page = await browser.get("/workspace/search", contact_from="2026-11-30")
    assert f"#m-{visit}" not in page  # made and notified on 30 November; visited on the 3rd

    _, page = await browser.get("/workspace/search", collector_id="c-18")
    assert f"#m-{visit}" in page and f"#m-{late_text}" not in page  # c-18 was on the visit


async def test_search_by_campaign_and_a_bad_date_names_the_field(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    spring = await insert_contact(stack, requested_by="api:strategy-1#spring-26")
    other = await insert_contact(stack, requested_by="api:strategy-1#autumn")
    await browser.sign_in("ann")
    _, page = await browser.get("/workspace/search", campaign="spring-26")
    assert f"#m-{spring}" in page and f"#m-{other}" not in page
    status, page = await browser.get("/workspace/search", contact_from="3 Dec")
    assert status == 422 and 'id="f-contact_from-error">请按 YYYY-MM-DD 格式填写日期。' in page


async def test_a_collectors_search_sees_only_their_debtors(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await browser.sign_in("cole")
    _, page = await browser.get("/workspace/search", channel="sms")
    assert f"#m-{ids['sent']}" in page and f"#m-{ids['blocked']}" not in page
    status, _ = await browser.get("/workspace/search.csv", channel="sms")
    assert status == 403  # exports are for compliance, supervisors and admins


async def test_the_csv_export_starts_with_a_bom_and_has_the_columns(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await browser.sign_in("ann")
    async with browser.http.get(
        browser.base_url + "/workspace/search.csv", params={"debtor_ref": "D-CN"}
    ) as response:
        assert response.status == 200
        raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["联系编号", "联系时间（债务人当地时间）", "联系时间（UTC）"]
    assert {"催收员", "活动", "处理结果", "结果"} <= set(rows[0])
    assert rows[1][0] == ids["blocked"] and "债务人有“争议”暂停标记" in rows[1][13]
    assert rows[1][6:8] == ["短信", "已拦截"]  # channel and status in the reader's words


@pytest.mark.parametrize("lang", ["en-US"])
async def test_the_xlsx_export_holds_the_same_rows(
    browser: Browser, people: PeopleStore, stack: Stack, lang: str
) -> None:
    ids = await seed(stack)
    await browser.sign_in("ann")
    await browser.get(f"/workspace/lang/{lang}")
    async with browser.http.get(
        browser.base_url + "/workspace/search.xlsx", params={"channel": "sms"}
    ) as response:
        assert response.status == 200
        book = openpyxl.load_workbook(io.BytesIO(await response.read()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Contact id", "Time of contact (debtor's local time)")
    assert {r[0] for r in rows[1:]} == {ids["blocked"], ids["sent"]}


async def test_results_come_in_pages_newest_first(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    made = [await insert_contact(stack, debtor_ref="D-MANY") for _ in range(PAGE_SIZE + 7)]
    made.sort()  # ids are time-ordered (to the millisecond): newest first is by id
    await browser.sign_in("ann")
    _, first = await browser.get("/workspace/search", debtor_ref="D-MANY")
    shown = re.findall(r"#m-([0-9A-Z]{26})", first)
    assert shown == made[::-1][:PAGE_SIZE]
    cursor = re.search(r"cursor=([0-9A-Z]{26})\" rel=\"next\"", first)
    assert cursor is not None and cursor.group(1) == shown[-1]
    _, second = await browser.get("/workspace/search", debtor_ref="D-MANY", cursor=cursor.group(1))
    assert re.findall(r"#m-([0-9A-Z]{26})", second) == made[::-1][PAGE_SIZE:]
    assert 'rel="next"' not in second
