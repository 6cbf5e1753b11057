"""Risk flags over HTTP: collectors and compliance set, compliance clears and reviews, every
change kept with who and why; problems name the flag in the caller's language."""

from __future__ import annotations

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi

S, CO, CP, A = Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN
FLAGS = "/v1/debtors/D-7/risk-flags"


async def test_set_review_clear_and_the_history(api: HttpApi) -> None:
    status, body = await api.call("PUT", f"{FLAGS}/complaint", role=CO,
                                  json_body={"reason": "complained about the caller"})  # fmt: skip
    assert status == 201 and body["changed"] is True
    assert body["flag"]["set_by"] == "collector:collector-1"
    assert [f["flag"] for f in body["flags"]] == ["complaint"]

    status, body = await api.call("PUT", f"{FLAGS}/complaint", role=CP, json_body={"reason": "x"})
    assert status == 200 and body["changed"] is False  # set already: nothing written

    status, body = await api.call("POST", f"{FLAGS}/complaint/review", role=CP,
                                  json_body={"reason": "listened to the call"})  # fmt: skip
    assert status == 201 and body["flag"]["reviewed_by"] == "compliance:compliance-1"

    status, body = await api.call("POST", f"{FLAGS}/complaint/clear", role=CP,
                                  json_body={"reason": "resolved"})  # fmt: skip
    assert status == 201 and body["flags"] == []

    status, body = await api.call("GET", FLAGS, role=CO)
    assert status == 200 and body["flags"] == []
    assert [(e["action"], e["actor"], e["reason"]) for e in body["history"]] == [
        ("set", "collector:collector-1", "complained about the caller"),
        ("reviewed", "compliance:compliance-1", "listened to the call"),
        ("cleared", "compliance:compliance-1", "resolved"),
    ]


async def test_who_may_do_what(api: HttpApi) -> None:
    reason = {"reason": "r"}
    assert (await api.call("PUT", f"{FLAGS}/vulnerable", role=S, json_body=reason))[0] == 403
    assert (await api.call("PUT", f"{FLAGS}/vulnerable", role=A, json_body=reason))[0] == 403
    assert (await api.call("PUT", f"{FLAGS}/vulnerable", role=CO, json_body=reason))[0] == 201
    # a collector raises a flag but does not lower or review it
    assert (await api.call("POST", f"{FLAGS}/vulnerable/clear", role=CO, json_body=reason))[
        0
    ] == 403
    assert (await api.call("POST", f"{FLAGS}/vulnerable/review", role=CO, json_body=reason))[
        0
    ] == 403
    assert (await api.call("POST", f"{FLAGS}/vulnerable/review", role=A, json_body=reason))[
        0
    ] == 201
    assert (await api.call("GET", FLAGS, role=S))[0] == 403


async def test_bad_requests_name_the_field_or_the_flag(api: HttpApi) -> None:
    status, body = await api.call("PUT", f"{FLAGS}/complaint", role=CP, json_body={})
    assert status == 422 and [e["field"] for e in body["errors"]] == ["reason"]

    status, body = await api.call("PUT", f"{FLAGS}/angry", role=CP, json_body={"reason": "r"})
    assert status == 404 and "no risk flag 'angry'" in body["detail"]

    status, body = await api.call("POST", f"{FLAGS}/deceased/clear", role=CP,
                                  json_body={"reason": "r"})  # fmt: skip
    assert status == 409 and body["detail"] == "risk flag deceased is not set on debtor D-7"


async def test_a_problem_in_chinese(api: HttpApi) -> None:
    headers = {"Authorization": f"Bearer {api.keys[CP]}", "Accept-Language": "zh-CN"}
    async with api.http.post(
        api.base_url + f"{FLAGS}/deceased/review", json={"reason": "r"}, headers=headers
    ) as response:
        body = await response.json(content_type=None)
    assert response.status == 409
    assert body["title"] == "冲突" and body["detail"] == "债务人 D-7 没有设置风险标记 deceased"


async def test_reading_flags_is_in_the_access_log(api: HttpApi) -> None:
    await api.call("GET", FLAGS, role=CP)
    status, body = await api.call("GET", "/v1/audit/reads", role=CP, params={"debtor_ref": "D-7"})
    assert status == 200
    assert any(r["action"] == "risk_flags.read" for r in body["items"])


async def test_times_on_the_debtors_clock_where_its_zone_is_known(api: HttpApi) -> None:
    status, body = await api.call("PUT", f"{FLAGS}/complaint", role=CO, json_body={"reason": "r"})
    assert status == 201 and body["time_zone"] is None and body["flag"]["local_times"] is None

    await api.call("PUT", "/v1/debtors/D-7", role=CP, json_body={"time_zone": "Asia/Shanghai"})
    status, body = await api.call("POST", f"{FLAGS}/complaint/review", role=CP,
                                  json_body={"reason": "listened"})  # fmt: skip
    assert status == 201 and body["time_zone"] == "Asia/Shanghai"
    local = body["flag"]["local_times"]
    assert set(local) == {"set_at", "reviewed_at"}
    assert all(t.endswith("+08:00") for t in local.values())

    status, body = await api.call("GET", FLAGS, role=CO)
    assert status == 200 and body["time_zone"] == "Asia/Shanghai"
    assert [e["local_times"]["at"][-6:] for e in body["history"]] == ["+08:00", "+08:00"]
