"""The statistics endpoints over real HTTP: payments in, figures out, and the fuzzer."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import dispatcher.web  # noqa: F401  (first: dispatcher.api.routes and dispatcher.web import each other)
from dispatcher.api.routes import OPENAPI_PATH
from dispatcher.contactlog.keys import Role
from dispatcher.stats.fold import LAG, fold_pending
from tests.api.conftest import HttpApi
from tests.api.contract.test_openapi import fuzz
from tests.stats.log import HandLog

MINE = ("/v1/payments", "/v1/portfolios/{portfolio}/accounts", "/v1/stats")


def payment(**overrides: Any) -> dict[str, Any]:
    return {
        "payment_id": "fin-1",
        "debtor_ref": "d-2",
        "account_ref": "a-2",
        "amount": "500.00",
        "currency": "CNY",
        "paid_at": "2026-12-01T10:00:00+08:00",
        **overrides,
    }


async def test_a_payment_is_kept_once_and_attributed(api: HttpApi) -> None:
    # Given a call with a promise to pay, the day before the payment
    log = HandLog(api.stack.log.engine)
    await log.setup()
    now = api.stack.clock.now()
    call = await log.message(
        channel="voice", debtor="d-2", account="a-2", collector="c-1", at=now - timedelta(days=1)
    )
    await log.attempt(call, now - timedelta(days=1), result="conversation")
    promised = {
        "kind": "promise_to_pay",
        "by": "c-1",
        "at": (now - timedelta(hours=20)).isoformat(),
        "amount": "500.00",
        "currency": "CNY",
        "date": (now + timedelta(days=2)).date().isoformat(),
    }
    await log.move(
        call,
        "delivered",
        now - timedelta(hours=20),
        {"kind": "promise_to_pay"},
        disposition=promised,
    )
    paid_at = (now - timedelta(hours=1)).isoformat()
    # When finance reports the payment twice
    first = await api.call(
        "POST", "/v1/payments", role=Role.STRATEGY, json_body=payment(paid_at=paid_at)
    )
    again = await api.call(
        "POST", "/v1/payments", role=Role.STRATEGY, json_body=payment(paid_at=paid_at)
    )
    changed = await api.call(
        "POST",
        "/v1/payments",
        role=Role.STRATEGY,
        json_body=payment(paid_at=paid_at, amount="50.00"),
    )
    # Then it is kept once, credited to the promise, and a changed repeat is refused
    assert first[0] == 201 and first[1]["replayed"] is False
    assert first[1]["attribution"] == {
        "kind": "promise",
        "message_id": call,
        "collector_id": "c-1",
        "channel": "voice",
    }
    assert first[1]["portfolio"] == "p-loans" and first[1]["amount"] == {
        "value": "500.00",
        "currency": "CNY",
    }
    assert again[0] == 200 and again[1]["replayed"] is True
    assert changed[0] == 409 and "amount" in changed[1]["detail"]
    # And the figures count it
    await fold_pending(api.stack.log.engine, now=now + LAG + timedelta(seconds=1))
    status, found = await api.call("GET", "/v1/stats", role=Role.COMPLIANCE)
    assert status == 200, found
    assert found["payments"] == [
        {"currency": "CNY", "count": 1, "recovered": "500.00", "attributed_to_contacts": "500.00"}
    ]
    assert found["promises"]["made"] == 1 and found["promises"]["kept"] == 1
    (collector,) = found["collectors"]
    assert collector["collector_id"] == "c-1" and collector["promises_kept"] == 1
    assert collector["recovered"] == [{"currency": "CNY", "amount": "500.00"}]


async def test_bad_payments_name_their_fields(api: HttpApi) -> None:
    status, body = await api.call(
        "POST",
        "/v1/payments",
        role=Role.STRATEGY,
        json_body=payment(amount=500.5, currency="XXQ", paid_at="2999-01-01T00:00:00Z"),
    )
    assert status == 422
    assert {e["field"] for e in body["errors"]} == {"amount", "currency"} or {
        e["field"] for e in body["errors"]
    } >= {"amount", "currency"}
    status, body = await api.call(
        "POST",
        "/v1/payments",
        role=Role.STRATEGY,
        json_body=payment(amount="100.5", currency="JPY"),
    )
    assert status == 422 and body["errors"][0]["field"] == "amount"
    assert "at most 0 decimal places for JPY" in body["errors"][0]["problem"]
    status, body = await api.call("POST", "/v1/payments", role=Role.COLLECTOR, json_body=payment())
    assert status == 403
    status, body = await api.call(
        "GET", "/v1/stats", role=Role.ADMIN, params={"from": "2026-12-31", "to": "2026-12-01"}
    )
    assert status == 422 and body["errors"][0]["field"] == "to"


async def test_the_fuzzer_finds_nothing_in_the_statistics_endpoints(api: HttpApi) -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    document["paths"] = {p: v for p, v in document["paths"].items() if p in MINE}
    keys = [None, *(api.keys[role] for role in Role)]
    failures, calls = await asyncio.to_thread(fuzz, document, api.base_url, keys)
    assert not failures, "\n\n".join(failures)
    assert calls > 100
