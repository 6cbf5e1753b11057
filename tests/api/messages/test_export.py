"""The CSV export: every matching row, streamed in constant memory, formulas defused."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from dispatcher.api.export import COLUMNS
from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Message
from dispatcher.ids import new_message_id
from tests.api.conftest import REMINDER, HttpApi
from tests.api.language.test_verdict_language import CHINESE_DEBTOR

CP = Role.COMPLIANCE
ROWS = 100_000
CONTENT = "Harbor Recovery: Maria Garcia, your payment of $1,240.00 was due 2026-11-15. " * 5


async def insert_messages(api: HttpApi, count: int, **fields: Any) -> None:
    """Bulk-insert ``count`` sent messages, a few thousand per statement."""
    start = api.stack.clock.now() - timedelta(days=10)
    start_ms = int(start.timestamp() * 1000)
    verdict = {
        "decision": "allow",
        "rule_id": None,
        "reason": None,
        "citation": None,
        "until": None,
        "evaluated_at": start.isoformat(),
        "rules": [],
    }
    async with api.stack.log.engine.begin() as conn:
        for first in range(0, count, 5000):
            rows = []
            for i in range(first, min(count, first + 5000)):
                at = start + timedelta(milliseconds=i)
                message_id = new_message_id(start_ms + i)
                rows.append(
                    {
                        "id": message_id,
                        "idempotency_key": message_id,
                        "debtor_ref": f"D-{i % 5000}",
                        "account_ref": f"A-{i % 5000}",
                        "channel": "sms",
                        "template_name": "overdue_reminder",
                        "template_version": "0123456789abcdef",
                        "locale": "en-US",
                        "variables": {},
                        "destination": "+12015550123",
                        "content": CONTENT,
                        "segments": 3,
                        "requested_by": "api:strategy-1",
                        "created_at": at,
                        "scheduled_for": at,
                        "valid_until": at + timedelta(days=3),
                        "updated_at": at,
                        "status": "sent",
                        "attempts": 1,
                        "verdict": verdict,
                        **fields,
                    }
                )
            await conn.execute(insert(Message), rows)


async def test_an_export_of_100000_rows_streams_in_flat_memory(api: HttpApi) -> None:
    await insert_messages(api, ROWS)
    url = api.base_url + "/v1/audit/export.csv"
    headers = {"Authorization": f"Bearer {api.keys[CP]}"}

    tracemalloc.start()
    try:
        started = time.perf_counter()
        lines = size = 0
        async with api.http.get(url, headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            async for chunk in response.content.iter_chunked(256 * 1024):
                size += len(chunk)
                lines += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert lines == ROWS + 1  # the header, then every row
    assert size > 50 * 1024**2  # the whole file would not fit in the limit below
    assert peak < 24 * 1024**2, f"peak {peak / 1024**2:.1f} MiB while streaming {size} bytes"
    took = time.perf_counter() - started
    print(
        f"exported {ROWS} rows, {size / 1024**2:.0f} MiB, in {took:.1f} s; "
        f"peak traced {peak / 1024**2:.1f} MiB"
    )


async def test_export_columns_filters_and_defused_formulas(api: HttpApi) -> None:
    await api.enqueue(debtor_ref="D-1", idempotency_key="a")
    await api.enqueue(
        debtor_ref="D-2",
        idempotency_key="b",
        destination="+1 212 555 0134",
        variables={**REMINDER["variables"], "debtor_name": '=HYPERLINK("x")'},
    )
    await api.run_worker()

    status, text = await api.call(
        "GET", "/v1/audit/export.csv", role=CP, params={"debtor_ref": "D-2"}
    )

    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["debtor_ref"] == "D-2" and row["destination"] == "+12125550134"
    assert row["status"] in {"sent", "delivered"} and row["decision"] == "allow"
    assert '=HYPERLINK("x")' in row["content"]  # inside the text, not at the start: harmless


async def test_a_cell_that_starts_like_a_formula_is_quoted(api: HttpApi) -> None:
    await insert_messages(api, 1, debtor_ref="=cmd|'/c calc'!A1", error_text="@SUM(1)")
    _, text = await api.call("GET", "/v1/audit/export.csv", role=CP)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["debtor_ref"] == "'=cmd|'/c calc'!A1"
    assert row["error_text"] == "'@SUM(1)"
    assert row["destination"] == "+12015550123"  # a phone number is left alone


async def test_the_file_starts_with_a_bom_so_excel_reads_chinese(api: HttpApi) -> None:
    await insert_messages(api, 1, content="王伟，您好：您的欠款 3250.00 元已逾期。")
    status, text = await api.call("GET", "/v1/audit/export.csv", role=CP)
    assert status == 200 and text.startswith("\ufeffid,")  # decoded as UTF-8: the BOM leads
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["content"] == "王伟，您好：您的欠款 3250.00 元已逾期。"


async def test_collector_campaign_disposition_and_result_columns(api: HttpApi) -> None:
    await insert_messages(
        api, 1, channel="voice", collector_id="c-9", requested_by="api:strategy-1#spring-26",
        disposition={"kind": "promise_to_pay", "amount": "100.00"}, result="conversation",
    )  # fmt: skip
    await insert_messages(api, 1, debtor_ref="D-plain", status="queued")
    _, text = await api.call("GET", "/v1/audit/export.csv", role=CP)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    called = next(r for r in rows if r["channel"] == "voice")
    assert (called["collector_id"], called["campaign"]) == ("c-9", "spring-26")
    assert (called["disposition"], called["result"]) == ("promise_to_pay", "conversation")
    plain = next(r for r in rows if r["debtor_ref"] == "D-plain")
    assert plain["collector_id"] == plain["campaign"] == plain["disposition"] == ""


async def export_in(api: HttpApi, language: str, **params: str) -> tuple[str, list[dict[str, str]]]:
    """The export as read with ``Accept-Language: language``: its Content-Language, its rows."""
    headers = {"Authorization": f"Bearer {api.keys[CP]}", "Accept-Language": language}
    url = api.base_url + "/v1/audit/export.csv"
    async with api.http.get(url, headers=headers, params=params) as response:
        assert response.status == 200
        text = (await response.read()).decode("utf-8").removeprefix("\ufeff")
        return response.headers["Content-Language"], list(csv.DictReader(io.StringIO(text)))


async def test_the_reason_in_the_callers_language_and_times_on_the_debtors_clock(
    api: HttpApi,
) -> None:
    # Given a Shanghai debtor under a dispute hold, and a text to them that it blocked
    status, _ = await api.call(
        "PUT",
        "/v1/debtors/D-CN",
        role=CP,
        json_body={"time_zone": "Asia/Shanghai", "country": "CN"},
    )
    assert status < 300
    status, _ = await api.call(
        "POST", "/v1/holds", role=CP,
        json_body={"kind": "dispute", "debtor_ref": "D-CN", "reason": "对金额有异议"},
    )  # fmt: skip
    assert status == 201
    await api.enqueue(**CHINESE_DEBTOR)
    await api.run_worker()

    # When it is exported in Chinese and in English
    chinese_language, (chinese,) = await export_in(api, "zh-CN,zh;q=0.9", debtor_ref="D-CN")
    english_language, (english,) = await export_in(api, "en-US", debtor_ref="D-CN")

    # Then the Chinese file says why in Chinese, on the debtor's clock (UTC+08:00)
    assert (chinese_language, english_language) == ("zh-CN", "en-US")
    assert chinese["decision"] == "block" and chinese["rule_id"] == english["rule_id"]
    explained = chinese["reason_explained"]
    assert explained.startswith("债务人有“争议”暂停标记（compliance:compliance-1 于 "), explained
    assert "（Asia/Shanghai，UTC+08:00） 设置：对金额有异议）" in explained
    assert english["reason_explained"].startswith("dispute hold on the debtor")
    assert "(Asia/Shanghai, UTC+08:00)" in english["reason_explained"]
    # and the columns programs read are the same in both, the recorded English reason too
    stored = list(COLUMNS[: COLUMNS.index("reason_explained")])
    assert [chinese[c] for c in stored] == [english[c] for c in stored]
    assert chinese["time_zone"] == "Asia/Shanghai"
    for name in ("created_at", "updated_at", "scheduled_for"):
        utc, local = chinese[name], chinese[f"{name}_local"]
        assert local.endswith("+08:00") and english[f"{name}_local"] == local
        assert datetime.fromisoformat(local) == datetime.fromisoformat(utc)


async def test_added_columns_come_last_and_stay_empty_where_nothing_is_known(
    api: HttpApi,
) -> None:
    await insert_messages(api, 1, debtor_ref="D-NOZONE")  # allowed, no zone anywhere
    _, text = await api.call("GET", "/v1/audit/export.csv", role=CP)
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header[:5] == ["id", "created_at", "updated_at", "status", "channel"]
    assert header[-6:] == [
        "content", "reason_explained", "time_zone", "created_at_local", "updated_at_local",
        "scheduled_for_local",
    ]  # fmt: skip
    assert row[-5:] == ["", "", "", "", ""]
