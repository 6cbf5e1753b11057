"""Keys and roles: no key or a bad one is 401, a role that may not is 403; what each role sees."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import AuditRead
from tests.api.conftest import HttpApi, reminder

S, CO, CP, A = Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN

HOLD = {"kind": "dispute", "debtor_ref": "D-9", "reason": "disputes the amount"}

# (method, path, body, roles allowed)
ENDPOINTS: list[tuple[str, str, Any, set[Role]]] = [
    ("POST", "/v1/messages", reminder(), {S}),
    ("POST", "/v1/messages/batch", {"messages": [reminder(idempotency_key="b1")]}, {S}),
    ("GET", "/v1/messages?debtor_ref=D-1", None, {S, CO, CP}),
    ("GET", "/v1/audit/export.csv?debtor_ref=D-1", None, {CP}),
    ("GET", "/v1/audit/reads?debtor_ref=D-1", None, {CP}),
    ("PUT", "/v1/debtors/D-1", {"time_zone": "America/New_York", "country": "US"}, {S, CP}),
    ("GET", "/v1/holds?debtor_ref=D-9", None, {CP}),
    ("POST", "/v1/holds", HOLD, {CP}),
    ("POST", "/v1/holds/lift", {"kind": "dispute", "debtor_ref": "D-9"}, {CP}),
    ("GET", "/v1/templates", None, {S, CO, CP, A}),
    (
        "POST",
        "/v1/templates/preview",
        {
            "channel": "sms",
            "template": "overdue_reminder",
            "locale": "en-US",
            "variables": reminder()["variables"],
        },
        {S, CO, CP, A},
    ),
    ("GET", "/v1/pauses", None, {CP, A}),
    ("POST", "/v1/pause", {"scope": "campaign", "target": "x", "reason": "test"}, {A}),
    ("POST", "/v1/resume", {"scope": "campaign", "target": "x"}, {A}),
    ("GET", "/v1/keys", None, {A}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS]
)
async def test_each_role_is_allowed_or_refused(
    api: HttpApi, method: str, path: str, body: Any, allowed: set[Role]
) -> None:
    for role in Role:
        status, answer = await api.call(method, path, role=role, json_body=body)
        if role in allowed:
            assert status < 400, (role, answer)
        else:
            assert status == 403, (role, answer)
            assert answer["status"] == 403 and answer["type"].endswith("/forbidden")


async def test_no_key_a_wrong_key_and_a_revoked_key_are_401(api: HttpApi) -> None:
    for key in (None, "", "dsp_not-a-key", "Basic abc"):
        status, answer = await api.call("GET", "/v1/templates", key=key)
        assert status == 401, key
        assert answer["title"] == "A valid API key is required"

    status, created = await api.call(
        "POST", "/v1/keys", role=A, json_body={"name": "temp", "role": "strategy"}
    )
    assert status == 201 and created["secret"].startswith("dsp_")
    assert (await api.call("GET", "/v1/templates", key=created["secret"]))[0] == 200

    status, revoked = await api.call("DELETE", f"/v1/keys/{created['id']}", role=A)
    assert status == 200 and revoked["revoked_by"] == "admin:admin-1"
    assert (await api.call("GET", "/v1/templates", key=created["secret"]))[0] == 401


async def test_keys_are_stored_only_as_hashes_and_listed_without_secrets(api: HttpApi) -> None:
    status, created = await api.call(
        "POST", "/v1/keys", role=A, json_body={"name": "svc-2", "role": "strategy"}
    )
    assert status == 201
    status, listed = await api.call("GET", "/v1/keys", role=A)
    assert status == 200
    assert all("secret" not in k and "key_hash" not in k for k in listed["items"])
    async with api.stack.log.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT key_hash FROM api_keys")).scalars().all()
    assert created["secret"] not in stored and len(stored) == 5
    again = await api.call("POST", "/v1/keys", role=A, json_body={"name": "svc-2", "role": "admin"})
    assert again[0] == 409


async def test_strategy_sees_masked_numbers_compliance_sees_everything(api: HttpApi) -> None:
    message_id = await api.enqueue()
    await api.run_worker()

    _, masked = await api.call("GET", f"/v1/messages/{message_id}", role=S)
    _, full = await api.call("GET", f"/v1/messages/{message_id}", role=CP)

    assert full["destination"] == "+12015550123"
    assert full["content"] and "Maria Garcia" in full["content"]
    assert masked["destination"] == "+12*******23"
    assert masked["content"] is None
    assert "+12015550123" not in str(masked)
    assert masked["status"] == full["status"] in {"sent", "delivered"}
    assert [e["status"] for e in masked["events"]][:3] == ["queued", "sending", "sent"]

    _, page = await api.call("GET", "/v1/messages", role=S, params={"debtor_ref": "D-1"})
    assert page["items"][0]["destination"] == "+12*******23"


async def test_a_collector_sees_only_what_they_asked_for(api: HttpApi) -> None:
    message_id = await api.enqueue()
    assert (await api.call("GET", f"/v1/messages/{message_id}", role=CO))[0] == 404
    status, page = await api.call("GET", "/v1/messages", role=CO)
    assert status == 200 and page["items"] == []


async def test_every_read_by_a_person_is_logged(api: HttpApi) -> None:
    message_id = await api.enqueue(debtor_ref="D-7")

    await api.call("GET", f"/v1/messages/{message_id}", role=CP)
    await api.call("GET", "/v1/messages", role=CP, params={"debtor_ref": "D-7"})
    await api.call("GET", "/v1/audit/export.csv", role=CP, params={"debtor_ref": "D-7"})
    await api.call("GET", f"/v1/messages/{message_id}", role=S)  # a service: not logged

    async with api.stack.log.engine.connect() as conn:
        reads = (await conn.execute(select(AuditRead).order_by(AuditRead.id))).all()
    assert [(r.reader, r.action, r.debtor_ref, r.rows) for r in reads] == [
        ("compliance:compliance-1", "message.read", "D-7", 1),
        ("compliance:compliance-1", "messages.list", "D-7", 1),
        ("compliance:compliance-1", "audit.export", "D-7", 1),
    ]
    assert reads[0].message_id == message_id
    assert all(r.at is not None for r in reads)

    status, page = await api.call("GET", "/v1/audit/reads", role=CP, params={"debtor_ref": "D-7"})
    assert status == 200 and page["next_cursor"] is None
    assert [r["action"] for r in page["items"]] == ["message.read", "messages.list", "audit.export"]
