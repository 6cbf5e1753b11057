"""Problem details in the caller's language: title and detail follow Accept-Language, what
programs read (type, status, fields) does not."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi, reminder


async def call(
    api: HttpApi, method: str, path: str, language: str | None, **kwargs: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Accept-Language": language} if language else {}
    if "role" in kwargs:
        headers["Authorization"] = f"Bearer {api.keys[kwargs.pop('role')]}"
    async with api.http.request(method, api.base_url + path, headers=headers, **kwargs) as r:
        return r.status, await r.json(content_type=None), dict(r.headers)


async def test_a_missing_key_in_chinese_and_in_english(api: HttpApi) -> None:
    status, chinese, headers = await call(api, "GET", "/v1/templates", "zh-CN,zh;q=0.9")
    assert status == 401
    assert chinese["title"] == "需要有效的 API 密钥"
    assert chinese["detail"] == "请以“Authorization: Bearer <密钥>”的形式发送 API 密钥"
    assert chinese["type"].endswith("/unauthenticated")
    assert headers["Content-Language"] == "zh-CN" and "Accept-Language" in headers["Vary"]

    status, english, headers = await call(api, "GET", "/v1/templates", None)
    assert english["title"] == "A valid API key is required"  # no header: as before
    assert english["detail"] == "send an API key as 'Authorization: Bearer <key>'"
    assert headers["Content-Language"] == "en-US"


async def test_a_forbidden_role_names_the_roles_in_the_readers_language(api: HttpApi) -> None:
    status, body, _ = await call(api, "GET", "/v1/keys", "zh", role=Role.STRATEGY)
    assert status == 403
    assert body["title"] == "该密钥的角色无权执行此操作"
    assert body["detail"] == "角色 strategy 无权执行此操作（允许的角色：admin）"


async def test_invalid_fields_keep_their_names_and_the_frame_is_translated(api: HttpApi) -> None:
    bad = reminder(destination="not a number")
    status, body, _ = await call(api, "POST", "/v1/messages", "zh-CN", role=Role.STRATEGY,
                                 json=bad)  # fmt: skip
    assert status == 422
    assert body["title"] == "请求无效，未写入任何内容"
    assert body["detail"].startswith("共 1 处问题：destination")
    assert [e["field"] for e in body["errors"]] == ["destination"]
    assert body["type"].endswith("/invalid-request")


async def test_an_unknown_route_and_method(api: HttpApi) -> None:
    status, body, _ = await call(api, "GET", "/v1/nothing-here", "zh-CN")
    assert (
        status == 404 and body["title"] == "未找到" and body["detail"] == "/v1/nothing-here 不存在"
    )
    status, body, headers = await call(api, "PATCH", "/v1/messages", "en-US")
    assert status == 405 and body["detail"] == "/v1/messages does not take PATCH"
    assert "Allow" in headers


async def test_each_field_problem_has_a_code_and_reads_in_the_callers_language(
    api: HttpApi,
) -> None:
    bad = {**reminder(), "debtor_ref": "x" * 101, "variables": 7, "sned_after": "tomorrow"}
    del bad["template"]
    answers = {}
    for language in ("zh-CN", "en-US"):
        status, body, _ = await call(api, "POST", "/v1/messages", language,
                                     role=Role.STRATEGY, json=bad)  # fmt: skip
        assert status == 422
        answers[language] = {e["field"]: (e["code"], e["problem"]) for e in body["errors"]}

    zh, en = answers["zh-CN"], answers["en-US"]
    assert {f: c for f, (c, _) in zh.items()} == {f: c for f, (c, _) in en.items()} == {
        "variables": "wrong_type", "debtor_ref": "too_long", "sned_after": "unknown_field",
        "template": "required",
    }  # fmt: skip
    assert en["template"][1] == "is required" and zh["template"][1] == "必填"
    assert en["variables"][1] == "must be an object, not a number"
    assert zh["variables"][1] == "应为对象，而不是数字"
    assert zh["debtor_ref"][1] == "超过 100 个字符"


async def test_the_detail_lists_the_field_problems_in_the_callers_language(api: HttpApi) -> None:
    letter = {**reminder(), "channel": "letter"}  # a phone number, and no address
    status, body, _ = await call(api, "POST", "/v1/messages", "zh-CN", role=Role.STRATEGY,
                                 json=letter)  # fmt: skip
    assert status == 422
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("address", "required"), ("destination", "destination_not_taken"),
    ]  # fmt: skip
    assert body["detail"] == (
        "共 2 处问题：address: 必填; destination: 信件和上门拜访按地址送达：请勿填写电话号码"
    )
