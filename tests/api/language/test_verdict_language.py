"""A blocked message's reason read over the API in the caller's language, with the debtor's
local time and the citation of the pack that applied (a Chinese debtor: not Reg F)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi

CHINESE_DEBTOR = {
    "channel": "sms", "template": "overdue_reminder", "locale": "zh-CN",
    "destination": "+86 138 0013 8000", "debtor_ref": "D-CN", "account_ref": "A-CN",
    "idempotency_key": "cn-dispute-1",
    "variables": {
        "company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00",
        "currency": "CNY", "due_date": "2026-11-15", "days_overdue": 12,
        "contact_phone": "400-820-1234",
    },
}  # fmt: skip


async def get(api: HttpApi, path: str, language: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api.keys[Role.COMPLIANCE]}", "Accept-Language": language}
    async with api.http.get(api.base_url + path, headers=headers) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_a_dispute_hold_on_a_chinese_debtor_reads_in_chinese(api: HttpApi) -> None:
    status, _ = await api.call(
        "PUT", "/v1/debtors/D-CN", role=Role.COMPLIANCE,
        json_body={"time_zone": "Asia/Shanghai", "country": "CN"},
    )  # fmt: skip
    assert status < 300
    status, _ = await api.call(
        "POST", "/v1/holds", role=Role.COMPLIANCE,
        json_body={"kind": "dispute", "debtor_ref": "D-CN", "reason": "对金额有异议"},
    )  # fmt: skip
    assert status == 201
    message_id = await api.enqueue(**CHINESE_DEBTOR)
    await api.run_worker()

    chinese = await get(api, f"/v1/messages/{message_id}", "zh-CN,zh;q=0.9")
    english = await get(api, f"/v1/messages/{message_id}", "en")

    verdict = chinese["verdict"]
    assert chinese["status"] == "blocked" and verdict["code"] == "hold.on_debtor"
    assert "CFR" not in verdict["citation"] and verdict["citation"].startswith("Credit-card")
    assert verdict["time_zone"] == "Asia/Shanghai"
    (line,) = verdict["explained"]
    assert line.startswith("暂停联系标记：债务人有“争议”暂停标记（compliance:compliance-1 于 ")
    assert "（Asia/Shanghai，UTC+08:00） 设置：对金额有异议）" in line
    assert (
        "依据：《商业银行信用卡业务监督管理办法》第六十九条" in line and "Credit-card" not in line
    )
    assert "Basis: Credit-card business measures, art. 69" in english["verdict"]["explained"][0]
    assert english["verdict"]["explained"][0].startswith("Holds: dispute hold on the debtor")
    assert english["verdict"]["reason"] == verdict["reason"]  # the recorded English stays

    page = await get(api, "/v1/messages?debtor_ref=D-CN", "zh-CN")
    assert page["items"][0]["verdict"]["explained"] == [line]
    measures = "《商业银行信用卡业务监督管理办法》"
    for summary_or_full in (page["items"][0]["verdict"], verdict):  # as recorded, in both
        assert summary_or_full["citations"]["zh-CN"].startswith(measures)


async def test_times_in_an_answer_carry_the_debtors_offset(api: HttpApi) -> None:
    status, _ = await api.call(
        "PUT", "/v1/debtors/D-CN", role=Role.COMPLIANCE,
        json_body={"time_zone": "Asia/Shanghai", "country": "CN"},
    )  # fmt: skip
    assert status < 300
    message_id = await api.enqueue(**{**CHINESE_DEBTOR, "idempotency_key": "cn-times-1"})
    unknown = await api.enqueue(
        **{**CHINESE_DEBTOR, "idempotency_key": "cn-times-2", "debtor_ref": "D-NOZONE"}
    )

    one = await get(api, f"/v1/messages/{message_id}", "en")
    assert one["time_zone"] == "Asia/Shanghai"
    for name in ("created_at", "scheduled_for", "valid_until", "updated_at"):
        utc, local = one[name], one["local_times"][name]
        assert local.endswith("+08:00"), local
        assert datetime.fromisoformat(local) == datetime.fromisoformat(utc)

    page = await get(api, "/v1/messages?debtor_ref=D-CN", "en")
    assert page["items"][0]["local_times"] == one["local_times"]
    nowhere = await get(api, f"/v1/messages/{unknown}", "en")  # no zone recorded, none decided
    assert nowhere["time_zone"] is None and nowhere["local_times"] is None


async def test_a_holds_times_carry_the_debtors_offset(api: HttpApi) -> None:
    await api.call(
        "PUT", "/v1/debtors/D-CN", role=Role.COMPLIANCE,
        json_body={"time_zone": "Asia/Shanghai", "country": "CN"},
    )  # fmt: skip
    for debtor_ref in ("D-CN", "D-NOZONE"):
        status, _ = await api.call(
            "POST", "/v1/holds", role=Role.COMPLIANCE,
            json_body={"kind": "dispute", "debtor_ref": debtor_ref, "reason": "对金额有异议"},
        )  # fmt: skip
        assert status == 201

    listed = await get(api, "/v1/holds?debtor_ref=D-CN", "en")
    (hold,) = listed["items"]
    assert hold["time_zone"] == "Asia/Shanghai"
    local = hold["local_times"]["created_at"]
    assert local.endswith("+08:00")
    assert datetime.fromisoformat(local) == datetime.fromisoformat(hold["created_at"])
    assert "lifted_at" not in hold["local_times"]  # not lifted: no time to show

    (elsewhere,) = (await get(api, "/v1/holds?debtor_ref=D-NOZONE", "en"))["items"]
    assert elsewhere["time_zone"] is None and elsewhere["local_times"] is None
