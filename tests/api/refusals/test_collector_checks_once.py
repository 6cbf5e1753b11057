"""A call's or visit's collectors are checked once, at enqueue (enqueue/early_refusal.py):
over HTTP exactly as in Python — refused only if no date the contact can have would do."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.contactlog.keys import Role
from tests.api.calls_and_visits.test_calls_visits import ADDRESS, CALL
from tests.api.conftest import HttpApi


async def test_http_refuses_a_collector_only_if_no_date_of_the_contact_would_do(
    api: HttpApi,
) -> None:
    # Given a collector who passes training in 30 days
    now = api.stack.clock.now()
    await api.stack.log.collectors.upsert(
        "c-soon", name="Soon", phone="+12015550101", trained_on=now.date() + timedelta(days=30)
    )
    await api.stack.log.collectors.upsert(
        "c-2", name="Two", phone="+12015550102", trained_on=now.date() - timedelta(days=300)
    )
    call = {**CALL, "collector_id": "c-soon"}
    # When a call is asked for now, and another for 31 days from now
    status, refused = await api.call("POST", "/v1/calls", role=Role.STRATEGY, json_body=call)
    later, until = ((now + timedelta(days=d)).isoformat() for d in (31, 33))
    status_later, accepted = await api.call(
        "POST", "/v1/calls", role=Role.STRATEGY,
        json_body={**call, "send_after": later, "valid_until": until},
    )  # fmt: skip
    # Then the first is refused naming the field, and the second is left to the gate
    assert status == 422
    assert [e["field"] for e in refused["errors"]] == ["collector_id"]
    assert "passes training only on" in refused["errors"][0]["problem"]
    assert status_later == 202, accepted
    # And a visit in 31 days with them is accepted too; one today is refused, naming them
    visit = {
        "debtor_ref": "D-1", "address": ADDRESS, "locale": "en-US",
        "collector_ids": ["c-2", "c-soon"], "variables": {"debtor_name": "Maria Garcia"},
    }  # fmt: skip
    status, today = await api.call(
        "POST", "/v1/visits", role=Role.STRATEGY,
        json_body={**visit, "visit_at": (now + timedelta(hours=2)).isoformat()},
    )  # fmt: skip
    assert status == 422 and [e["field"] for e in today["errors"]] == ["collector_ids[1]"]
    status, planned = await api.call(
        "POST", "/v1/visits", role=Role.STRATEGY,
        json_body={**visit, "visit_at": later},
    )  # fmt: skip
    assert status == 202, planned
