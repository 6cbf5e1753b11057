"""Collectors, calls and visits over HTTP: who may do what, and a collector acting as themself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from dispatcher.clock import ShiftedClock
from dispatcher.contactlog.keys import ApiKeyStore, Role
from dispatcher.domain import EventSource, MessageStatus
from tests.api.conftest import HttpApi

ME = "collector-1"  # the conftest's collector key is named so: it acts as this collector
CALL = {
    "debtor_ref": "D-1",
    "destination": "+1 201 555 0123",
    "locale": "en-US",
    "variables": {"company_name": "Harbor Recovery", "debtor_name": "Maria Garcia",
                  "contact_phone": "(800) 555-0199", "currency": "USD"},
}  # fmt: skip
ADDRESS = {"name": "Maria Garcia", "lines": ["12 Elm Street", "Springfield, NJ"], "country": "US"}


async def collectors(api: HttpApi, **expires: date) -> None:
    for collector_id in (ME, "c-2", "c-old"):
        status, body = await api.call(
            "PUT", f"/v1/collectors/{collector_id}", role=Role.ADMIN,
            json_body={
                "name": f"Collector {collector_id}", "phone": "+12015550101",
                "trained_on": "2026-01-05",
                "credential_expires": str(expires.get(collector_id, date(2027, 1, 4))),
            },
        )  # fmt: skip
        assert status == 200, body


async def placed_call(api: HttpApi, **extra: Any) -> str:
    status, body = await api.call(
        "POST", "/v1/calls", role=Role.COLLECTOR, json_body={**CALL, **extra}
    )
    assert status == 202, body
    assert await api.stack.log.transition(
        body["id"], expect={MessageStatus.QUEUED}, to=MessageStatus.SENT,
        source=EventSource.WORKER, result="answered",
    )  # fmt: skip
    return str(body["id"])


async def test_admin_manages_collectors_others_may_not(api: HttpApi) -> None:
    await collectors(api, **{"c-old": date(2026, 6, 30)})

    status, listed = await api.call("GET", "/v1/collectors", role=Role.ADMIN)
    assert status == 200 and [c["collector_id"] for c in listed["items"]] == ["c-2", "c-old", ME]
    status, one = await api.call("GET", "/v1/collectors/c-old", role=Role.ADMIN)
    assert status == 200 and one["credential_expires"] == "2026-06-30" and one["active"]
    assert (await api.call("GET", "/v1/collectors/c-9", role=Role.ADMIN))[0] == 404
    for role in (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE):
        assert (await api.call("GET", "/v1/collectors", role=role))[0] == 403
    assert (await api.call("GET", "/v1/collectors"))[0] == 401
    status, refused = await api.call(
        "PUT", "/v1/collectors/c-3", role=Role.ADMIN,
        json_body={"name": "X", "phone": "not a number", "trained_on": "yesterday"},
    )  # fmt: skip
    assert status == 422
    assert {e["field"] for e in refused["errors"]} == {"trained_on"}


async def test_a_collector_schedules_calls_as_themself(api: HttpApi) -> None:
    await collectors(api, **{"c-old": date(2026, 6, 30)})
    later = (api.stack.clock.now() + timedelta(hours=2)).isoformat()

    status, mine = await api.call(
        "POST", "/v1/calls", role=Role.COLLECTOR, json_body={**CALL, "send_after": later}
    )
    assert status == 202, mine
    stored = await api.stack.log.get(mine["id"])
    assert (stored.channel, stored.collector_id, stored.template_name) == (
        "voice", ME, "collector_call",
    )  # fmt: skip
    assert stored.requested_by == f"api:{ME}"

    status, other = await api.call(
        "POST", "/v1/calls", role=Role.COLLECTOR, json_body={**CALL, "collector_id": "c-2"}
    )
    assert status == 403, other
    status, strategy = await api.call(
        "POST", "/v1/calls", role=Role.STRATEGY, json_body={**CALL, "collector_id": "c-2"}
    )
    assert status == 202 and (await api.stack.log.get(strategy["id"])).collector_id == "c-2"
    status, unnamed = await api.call("POST", "/v1/calls", role=Role.STRATEGY, json_body=CALL)
    assert status == 422 and unnamed["errors"][0]["field"] == "collector_id"
    for who, why in (("c-old", "credential expired on 2026-06-30"), ("c-9", "unknown")):
        status, refused = await api.call(
            "POST", "/v1/calls", role=Role.STRATEGY, json_body={**CALL, "collector_id": who}
        )
        assert status == 422 and why in refused["errors"][0]["problem"], refused
        assert who in refused["errors"][0]["problem"]
    assert (await api.call("POST", "/v1/calls", role=Role.COMPLIANCE, json_body=CALL))[0] == 403

    status, upcoming = await api.call(
        "GET", f"/v1/collectors/{ME}/calls", role=Role.COLLECTOR, params={"window": "upcoming"}
    )
    assert status == 200 and [c["id"] for c in upcoming["items"]] == [mine["id"]]
    status, due = await api.call("GET", f"/v1/collectors/{ME}/calls", role=Role.COLLECTOR)
    assert status == 200 and due["items"] == []
    assert (await api.call("GET", "/v1/collectors/c-2/calls", role=Role.COLLECTOR))[0] == 403
    status, seen = await api.call("GET", "/v1/collectors/c-2/calls", role=Role.STRATEGY)
    assert status == 200 and seen["items"][0]["destination"] == "+12*******23"


async def test_the_calls_collector_records_a_disposition_once(api: HttpApi) -> None:
    await collectors(api)
    call_id = await placed_call(api)
    promise = {"kind": "promise_to_pay", "amount": "500.00", "date": "2026-12-05"}
    path = f"/v1/calls/{call_id}/disposition"

    assert (await api.call("POST", path, role=Role.COMPLIANCE, json_body=promise))[0] == 403
    status, body = await api.call("POST", path, role=Role.COLLECTOR, json_body=promise)
    assert status == 200, body
    assert body["result"] == "conversation" and len(body["follow_ups"]) == 1
    assert body["disposition"]["by"] == ME
    status, again = await api.call("POST", path, role=Role.COLLECTOR, json_body=promise)
    assert status == 409 and "already" in again["detail"]
    status, missing = await api.call(
        "POST", f"/v1/calls/{'0' * 26}/disposition", role=Role.COLLECTOR, json_body=promise
    )
    assert status == 404, missing

    other = await placed_call(api, destination="+1 201 555 0124")
    status, rude = await api.call(
        "POST", f"/v1/calls/{other}/disposition", role=Role.COLLECTOR,
        json_body={"kind": "refused", "note": "what an idiot"},
    )  # fmt: skip
    assert status == 422 and rude["errors"][0]["field"] == "note"
    assert "idiot" in rude["errors"][0]["problem"]

    stranger = (await ApiKeyStore(api.stack.log.engine, api.stack.clock).create(
        name="c-2", role=Role.COLLECTOR, created_by="test"
    )).secret  # fmt: skip
    status, refused = await api.call(
        "POST", f"/v1/calls/{other}/disposition", key=stranger, json_body={"kind": "refused"}
    )
    assert status == 403 and "c-2" in refused["detail"]


async def test_visits_need_two_credentialed_collectors_and_take_one_outcome(api: HttpApi) -> None:
    await collectors(api, **{"c-old": date(2026, 6, 30)})
    visit: dict[str, Any] = {
        "debtor_ref": "D-1", "address": ADDRESS, "locale": "en-US",
        "visit_at": "2026-12-01T10:00:00-05:00", "collector_ids": [ME, "c-2"],
        "variables": {"debtor_name": "Maria Garcia"},
    }  # fmt: skip

    status, expired = await api.call(
        "POST",
        "/v1/visits",
        role=Role.STRATEGY,
        json_body={**visit, "collector_ids": [ME, "c-old"]},
    )
    assert status == 422
    assert expired["errors"] == [
        {
            "field": "collector_ids[1]",
            "code": "collector.credential_expired",
            "problem": "collector c-old's credential expired on 2026-06-30",
        }
    ]
    status, alone = await api.call(
        "POST", "/v1/visits", role=Role.ADMIN, json_body={**visit, "collector_ids": [ME]}
    )
    assert status == 422 and alone["errors"][0]["field"] == "collector_ids"
    assert (await api.call("POST", "/v1/visits", role=Role.COLLECTOR, json_body=visit))[0] == 403
    status, accepted = await api.call("POST", "/v1/visits", role=Role.STRATEGY, json_body=visit)
    assert status == 202, accepted
    visit_id = accepted["id"]
    stored = await api.stack.log.get(visit_id)
    assert stored.collector_ids == [ME, "c-2"]
    assert "12 Elm Street, Springfield, NJ" in stored.variables["address_text"]

    outcome = {"result": "visited", "went": [ME, "c-2"], "recording_ref": "rec/1.mp4"}
    path = f"/v1/visits/{visit_id}/outcome"
    status, early = await api.call("POST", path, role=Role.COLLECTOR, json_body=outcome)
    assert status == 409, early  # the notice has not gone out yet
    assert await api.stack.log.transition(
        visit_id, expect={MessageStatus.QUEUED}, to=MessageStatus.SENT, source=EventSource.WORKER
    )
    status, bad = await api.call(
        "POST", path, role=Role.COLLECTOR, json_body={**outcome, "went": [ME, "c-9"]}
    )
    assert status == 422 and [e["field"] for e in bad["errors"]] == ["went", "result"]
    assert "booked for" in bad["errors"][1]["problem"]  # the visit is tomorrow: not yet
    assert isinstance(api.stack.clock, ShiftedClock)  # the server's clock too
    api.stack.clock.move_to(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    status, recorded = await api.call("POST", path, role=Role.COLLECTOR, json_body=outcome)
    assert status == 200, recorded
    assert (recorded["status"], recorded["result"]) == ("delivered", "visited")
    assert (await api.stack.log.get(visit_id)).recording_ref == "rec/1.mp4"
    assert (await api.call("POST", path, role=Role.COLLECTOR, json_body=outcome))[0] == 409
