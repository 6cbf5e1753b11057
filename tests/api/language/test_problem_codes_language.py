"""A later check's problem (after the body's model) in the caller's language: its code
and field stay, its text follows Accept-Language, and English is what it always was."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.calls_and_visits.test_calls_visits import collectors, placed_call
from tests.api.conftest import HttpApi, reminder


async def call(
    api: HttpApi,
    method: str,
    path: str,
    language: str | None,
    body: dict[str, Any],
    role: Role = Role.STRATEGY,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Authorization": f"Bearer {api.keys[role]}"}
    if language:
        headers["Accept-Language"] = language
    async with api.http.request(method, api.base_url + path, headers=headers, json=body) as r:
        return r.status, await r.json(content_type=None), dict(r.headers)


async def test_an_unknown_time_zone_in_chinese_and_in_english(api: HttpApi) -> None:
    body = {"time_zone": "Mars/Olympus", "country": "US"}
    status, chinese, headers = await call(api, "PUT", "/v1/debtors/D-1", "zh-CN", body)
    assert status == 422 and headers["Content-Language"] == "zh-CN"
    assert chinese["errors"] == [
        {"field": "time_zone", "code": "debtor.time_zone.unknown",
         "problem": "未知时区 'Mars/Olympus'（请使用 IANA 时区名，如 Asia/Shanghai）"},
    ]  # fmt: skip
    assert chinese["detail"] == (
        "共 1 处问题：time_zone: 未知时区 'Mars/Olympus'（请使用 IANA 时区名，如 Asia/Shanghai）"
    )

    status, english, _ = await call(api, "PUT", "/v1/debtors/D-1", None, body)
    assert status == 422
    assert english["errors"] == [
        {"field": "time_zone", "code": "debtor.time_zone.unknown",
         "problem": "unknown time zone 'Mars/Olympus' (use an IANA name)"},
    ]  # fmt: skip


async def test_an_unknown_template_in_chinese(api: HttpApi) -> None:
    status, body, _ = await call(
        api, "POST", "/v1/messages", "zh-CN", reminder(template="no_such_template")
    )
    assert status == 422
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("template", "template.unknown_name")
    assert error["problem"].startswith("没有短信模板 'no_such_template'；可选：")


async def test_a_pause_refused_in_chinese_and_in_english(api: HttpApi) -> None:
    body = {"scope": "all", "target": "sms", "reason": "outage"}
    status, chinese, headers = await call(api, "POST", "/v1/pause", "zh-CN", body, Role.ADMIN)
    assert status == 422 and headers["Content-Language"] == "zh-CN"
    assert chinese["errors"] == [
        {"field": "target", "code": "pause.target.not_taken", "problem": "范围为 all 时不能填写"}
    ]
    assert chinese["detail"] == "共 1 处问题：target: 范围为 all 时不能填写"

    status, english, _ = await call(api, "POST", "/v1/pause", "en-US", body, Role.ADMIN)
    assert english["errors"][0]["problem"] == "must be absent when the scope is all"
    assert english["detail"] == "1 problem(s): target: must be absent when the scope is all"


async def test_a_phone_number_refused_in_chinese_with_its_code(api: HttpApi) -> None:
    body = {"country": "US", "locale": "en-US", "phones": [
        {"number": "12345", "type": "mobile"},  # read as a US number: too short to be valid
        {"number": "call me", "type": "work"},
    ]}  # fmt: skip
    status, chinese, _ = await call(api, "PUT", "/v1/debtors/D-1", "zh-CN", body)
    assert status == 422
    assert chinese["errors"] == [
        {"field": "phones[0].number", "code": "phone.invalid",
         "problem": "'12345' 不是有效的电话号码"},
        {"field": "phones[1].number", "code": "phone.not_a_number",
         "problem": "不是电话号码：看起来不像电话号码"},
    ]  # fmt: skip

    status, english, _ = await call(api, "PUT", "/v1/debtors/D-1", None, body)
    assert [e["problem"] for e in english["errors"]] == [
        "'12345' is not a valid phone number",
        "not a phone number: it does not look like one",
    ]


async def test_a_messages_number_and_a_holds_in_chinese(api: HttpApi) -> None:
    status, message, _ = await call(
        api, "POST", "/v1/messages", "zh-CN", reminder(destination="+999 123")
    )
    assert status == 422
    [error] = message["errors"]
    assert (error["field"], error["code"]) == ("destination", "phone.no_country")
    assert error["problem"] == "不是电话号码：无法确定其所属国家（请使用带“+”的 E.164 格式）"

    status, holds, _ = await call(
        api, "GET", "/v1/holds?destination=555", "zh-CN", {}, Role.COMPLIANCE
    )
    assert status == 422
    assert [(e["field"], e["code"]) for e in holds["errors"]] == [
        ("destination", "phone.no_country")
    ]


async def test_a_detail_in_chinese_by_its_code(api: HttpApi) -> None:
    status, missing, _ = await call(api, "GET", "/v1/collectors/nobody", "zh-CN", {}, Role.ADMIN)
    assert (status, missing["detail"]) == (404, "没有催收员 'nobody'")

    await call(api, "POST", "/v1/messages", None, reminder(idempotency_key="same"))
    other = reminder(idempotency_key="same", debtor_ref="D-2")
    status, conflict, _ = await call(api, "POST", "/v1/messages", "zh-CN", other)
    assert status == 409
    [error] = conflict["errors"]
    assert error["code"] == "enqueue.idempotency_key.reused"
    assert conflict["detail"] == "idempotency_key: " + error["problem"]
    assert error["problem"].startswith("'same' 已用于另一个请求")


async def test_a_call_that_takes_no_disposition_is_refused_in_chinese(api: HttpApi) -> None:
    await collectors(api)
    call_id = await placed_call(api)
    promise = {"kind": "promise_to_pay", "amount": "500.00", "date": "2026-12-05"}
    path = f"/v1/calls/{call_id}/disposition"
    assert (await call(api, "POST", path, None, promise, Role.COLLECTOR))[0] == 200

    status, again, _ = await call(api, "POST", path, "zh-CN", promise, Role.COLLECTOR)
    assert status == 409
    assert again["detail"] == (
        f"电话 {call_id} 已有处置结果（promise_to_pay，由 collector-1 记录）；处置结果只能记录一次"
    )
    status, english, _ = await call(api, "POST", path, None, promise, Role.COLLECTOR)
    assert english["detail"] == (
        f"call {call_id} has a disposition already (promise_to_pay, by collector-1); "
        "a disposition is recorded once"
    )


async def test_an_approval_finding_in_chinese(api: HttpApi) -> None:
    _, listed, _ = await call(api, "GET", "/v1/templates", None, {}, Role.COMPLIANCE)
    [shown] = [t for t in listed["items"] if (t["channel"], t["name"], t["locale"]) ==
               ("sms", "overdue_reminder", "en-US")]  # fmt: skip
    variables = {**reminder()["variables"], "debtor_name": "老赖 Maria"}
    body = {"channel": "sms", "template": "overdue_reminder", "locale": "en-US",
            "version": shown["version"], "approved": True, "variables": variables}  # fmt: skip
    status, refused, _ = await call(
        api, "POST", "/v1/templates/approvals", "zh-CN", body, Role.COMPLIANCE
    )
    assert status == 422
    [finding] = [e for e in refused["errors"] if e.get("code") == "template.approval.civility"]
    assert finding["problem"].startswith("文明用语：'老赖'")
