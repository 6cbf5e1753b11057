"""Approving a template version renders it with the sample variables in the sandbox and
runs the civility and required-content checks: any finding refuses it (422, each named),
and nothing is recorded."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi
from tests.dispatcher.conftest import REMINDER

CP = Role.COMPLIANCE


async def _approve(api: HttpApi, **variables: Any) -> tuple[int, Any]:
    _, listed = await api.call("GET", "/v1/templates", role=CP)
    [shown] = [t for t in listed["items"] if (t["channel"], t["name"], t["locale"]) ==
               ("sms", "overdue_reminder", "en-US")]  # fmt: skip
    body = {"channel": "sms", "template": "overdue_reminder", "locale": "en-US",
            "version": shown["version"], "approved": True,
            "variables": {**REMINDER["variables"], **variables}}  # fmt: skip
    return await api.call("POST", "/v1/templates/approvals", role=CP, json_body=body)


async def test_a_clean_sample_is_approved(api: HttpApi) -> None:
    status, answer = await _approve(api)
    assert status == 201 and answer["approval"]["approved_by"].startswith("compliance:")


async def test_a_sample_tripping_the_civility_filter_refuses_with_each_finding(
    api: HttpApi,
) -> None:
    status, problem = await _approve(api, debtor_name="老赖 Maria", company_name="骗子 Inc")
    assert status == 422
    found = [e for e in problem["errors"] if e["problem"].startswith("civility:")]
    assert {e["field"] for e in found} == {"template"}
    assert any("'老赖'" in e["problem"] for e in found)
    assert any("'骗子'" in e["problem"] for e in found)


async def test_a_sample_that_does_not_render_refuses_naming_the_variable(api: HttpApi) -> None:
    variables = dict(REMINDER["variables"])
    del variables["amount"]
    _, listed = await api.call("GET", "/v1/templates", role=CP)
    [shown] = [t for t in listed["items"] if (t["channel"], t["name"], t["locale"]) ==
               ("sms", "overdue_reminder", "en-US")]  # fmt: skip
    body = {"channel": "sms", "template": "overdue_reminder", "locale": "en-US",
            "version": shown["version"], "approved": True, "variables": variables}  # fmt: skip
    status, problem = await api.call("POST", "/v1/templates/approvals", role=CP, json_body=body)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["variables.amount"]
    del body["variables"]
    status, problem = await api.call("POST", "/v1/templates/approvals", role=CP, json_body=body)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["variables"]
