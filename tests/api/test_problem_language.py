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
