"""A collector sees the visits they are on and the calls they place, whoever planned them:
in a search (by collector, by channel) and by id. Other collectors do not."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from dispatcher.contactlog.keys import ApiKeyStore, Role
from tests.api.conftest import HttpApi

ME = "collector-1"  # the collector key's name is its collector id
ADDRESS = {"name": "Maria Garcia", "lines": ["12 Elm Street", "Springfield, NJ"], "country": "US"}


async def planned_visit(api: HttpApi, lead: str, other: str) -> str:
    for collector_id in (lead, other):
        await api.stack.log.collectors.upsert(
            collector_id, name=collector_id, phone="+12015550101", trained_on=date(2026, 1, 5)
        )
    plan = {
        "debtor_ref": f"D-{uuid.uuid4().hex[:8]}", "address": ADDRESS, "locale": "en-US",
        "visit_at": (api.stack.clock.now() + timedelta(days=1)).isoformat(),
        "collector_ids": [lead, other], "variables": {"debtor_name": "Maria Garcia"},
    }  # fmt: skip
    status, accepted = await api.call("POST", "/v1/visits", role=Role.STRATEGY, json_body=plan)
    assert status == 202, accepted
    return str(accepted["id"])


async def test_a_collector_on_a_visit_finds_it_and_reads_it(api: HttpApi) -> None:
    lead = f"c-{uuid.uuid4().hex[:6]}"
    visit_id = await planned_visit(api, lead, ME)  # planned by strategy; ME is not the lead

    for params in ({"collector_id": ME, "channel": "visit"}, {"channel": "visit"}):
        status, page = await api.call("GET", "/v1/messages", role=Role.COLLECTOR, params=params)
        assert status == 200
        assert visit_id in [m["id"] for m in page["items"]], params
    status, shown = await api.call("GET", f"/v1/messages/{visit_id}", role=Role.COLLECTOR)
    assert status == 200 and shown["channel"] == "visit"

    status, page = await api.call(
        "GET", "/v1/messages", role=Role.COMPLIANCE, params={"collector_id": ME}
    )
    assert visit_id in [m["id"] for m in page["items"]]  # searching by a collector on it


async def test_another_collector_sees_neither(api: HttpApi) -> None:
    visit_id = await planned_visit(api, f"c-{uuid.uuid4().hex[:6]}", ME)
    stranger = (
        await ApiKeyStore(api.stack.log.engine, api.stack.clock).create(
            name=f"c-{uuid.uuid4().hex[:6]}", role=Role.COLLECTOR, created_by="test"
        )
    ).secret

    status, _ = await api.call("GET", f"/v1/messages/{visit_id}", key=stranger)
    assert status == 404
    for params in ({"collector_id": ME, "channel": "visit"}, {"channel": "visit"}):
        status, page = await api.call("GET", "/v1/messages", key=stranger, params=params)
        assert status == 200
        assert visit_id not in [m["id"] for m in page["items"]]
