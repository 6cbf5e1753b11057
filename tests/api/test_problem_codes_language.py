"""A later check's problem (after the body's model) in the caller's language: its code
and field stay, its text follows Accept-Language, and English is what it always was."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi, reminder


async def call(
    api: HttpApi, method: str, path: str, language: str | None, body: dict[str, Any]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Authorization": f"Bearer {api.keys[Role.STRATEGY]}"}
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
    assert error["problem"].startswith("没有 sms 模板 'no_such_template'；可选：")
