"""A debtor's phones, address and accounts over HTTP: stored, masked for strategy, checked
field by field, and acted on by the rules (a no-work-contact hold)."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi

S, CP, CO = Role.STRATEGY, Role.COMPLIANCE, Role.COLLECTOR
WORK, MOBILE = "+12015550123", "+12015550124"  # the reminder's number is the work one
CONTACT: dict[str, Any] = {
    "locale": "en-US",
    "country": "US",
    "phones": [
        {"number": "+1 201 555 0123", "type": "work"},
        {"number": MOBILE, "type": "mobile", "consent": True,
         "consent_at": "2026-01-05T15:00:00Z"},
    ],
    "address": {"lines": ["12 Elm St", "Apt 4"], "postal_code": "07030", "country": "US",
                "region": "NJ"},
}  # fmt: skip


async def test_phones_and_address_are_stored_and_masked_for_strategy(api: HttpApi) -> None:
    status, strategy = await api.call("PUT", "/v1/debtors/D-1", role=S, json_body=CONTACT)
    assert status == 200
    assert strategy["phones"] == [
        {"number": "+12*******23", "type": "work", "consent": False},
        {"number": "+12*******24", "type": "mobile", "consent": True,
         "consent_at": "2026-01-05T15:00:00+00:00"},
    ]  # fmt: skip
    assert strategy["address"] == {
        "lines": ["***", "***"], "postal_code": "***", "country": "US", "region": "NJ",
    }  # fmt: skip

    status, compliance = await api.call("PUT", "/v1/debtors/D-1", role=CP, json_body=CONTACT)
    assert status == 200
    assert [p["number"] for p in compliance["phones"]] == [WORK, MOBILE]
    assert compliance["address"] == {**CONTACT["address"]}


async def test_contact_data_problems_name_their_fields(api: HttpApi) -> None:
    body = {
        "phones": [{"number": MOBILE, "type": "mobile"}, {"number": WORK, "type": "pager"}],
        "address": {"lines": ["x"], "country": "US", "region": "ZZ"},
    }
    status, problem = await api.call("PUT", "/v1/debtors/D-1", role=S, json_body=body)
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["phones[1].type", "address.region"]


async def test_accounts_are_upserted_by_strategy(api: HttpApi) -> None:
    path = "/v1/debtors/D-1/accounts/A-1"
    body = {"amount": "1240.50", "currency": "USD", "days_overdue": 13}
    status, stored = await api.call("PUT", path, role=S, json_body=body)
    assert status == 200
    assert {k: stored[k] for k in ("debtor_ref", "account_ref", *body)} == {
        "debtor_ref": "D-1", "account_ref": "A-1", **body,
    }  # fmt: skip
    status, again = await api.call("PUT", path, role=S, json_body={**body, "amount": "1300"})
    assert status == 200 and again["amount"] == "1300.00"
    assert (await api.call("PUT", path, role=CP, json_body=body))[0] == 403

    bad = {"amount": "12.345", "currency": "usd", "days_overdue": -2}
    status, problem = await api.call("PUT", path, role=S, json_body=bad)
    assert status == 422  # every problem at once (the body's model checks all three)
    assert {e["field"] for e in problem["errors"]} == {"amount", "currency", "days_overdue"}
    status, problem = await api.call("PUT", path, role=S, json_body={**body, "days_overdue": -2})
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["days_overdue"]


async def test_a_no_work_contact_hold_stops_texts_to_the_work_number_only(api: HttpApi) -> None:
    assert (await api.call("PUT", "/v1/debtors/D-1", role=S, json_body=CONTACT))[0] == 200
    hold = {"kind": "no_work_contact", "debtor_ref": "D-1", "reason": "not at work, please"}
    assert (await api.call("POST", "/v1/holds", role=CP, json_body=hold))[0] == 201

    to_work = await api.enqueue()
    to_mobile = await api.enqueue(destination=MOBILE, idempotency_key="mobile-1")
    await api.run_worker()

    assert await api.status_of(to_work) == "blocked"
    assert await api.status_of(to_mobile) in {"sent", "delivered"}
    _, shown = await api.call("GET", f"/v1/messages/{to_work}", role=CP)
    assert shown["verdict"]["rule_id"] == "hold.active"
    assert "typed work" in shown["verdict"]["reason"]
