"""Debtors, holds, templates and metrics over HTTP."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from dispatcher.contactlog.keys import Role
from dispatcher.contactlog.models import Debtor
from dispatcher.preferences import PREFERENCE_FIELDS
from tests.api.conftest import REMINDER, HttpApi, reminder

S, CP = Role.STRATEGY, Role.COMPLIANCE


async def test_a_debtor_is_upserted_and_its_fields_checked(api: HttpApi) -> None:
    body = {"locale": "zh-CN", "time_zone": "Asia/Shanghai", "country": "CN", "packs": ["cn"]}
    status, stored = await api.call("PUT", "/v1/debtors/D-1", role=S, json_body=body)
    assert status == 200
    record = {k: v for k, v in stored.items() if k not in PREFERENCE_FIELDS}  # kept apart
    assert record == {"debtor_ref": "D-1", "region": None, "phones": None, "address": None, **body}
    status, _ = await api.call(
        "PUT", "/v1/debtors/D-1", role=S, json_body={"country": "US", "region": "MA"}
    )
    assert status == 200
    async with api.stack.log.engine.connect() as conn:
        row = (await conn.execute(select(Debtor.__table__))).one()
    assert (row.country, row.region, row.time_zone, row.packs) == ("US", "MA", None, None)

    status, problem = await api.call(
        "PUT",
        "/v1/debtors/D-1",
        role=S,
        json_body={"time_zone": "Mars/Olympus", "packs": ["nowhere"], "country": "china"},
    )
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"time_zone", "packs", "country"}


async def test_holds_are_set_listed_and_lifted_and_stop_messages(api: HttpApi) -> None:
    hold = {"kind": "dispute", "debtor_ref": "D-1", "reason": "disputes the amount"}
    assert (await api.call("POST", "/v1/holds", role=CP, json_body=hold))[0] == 201
    assert (await api.call("POST", "/v1/holds", role=CP, json_body=hold))[0] == 200
    message_id = await api.enqueue()
    await api.run_worker()
    assert await api.status_of(message_id) == "blocked"

    _, listed = await api.call("GET", "/v1/holds", role=CP, params={"debtor_ref": "D-1"})
    assert [(h["kind"], h["set_by"]) for h in listed["items"]] == [
        ("dispute", "compliance:compliance-1")
    ]
    status, lifted = await api.call(
        "POST", "/v1/holds/lift", role=CP, json_body={"kind": "dispute", "debtor_ref": "D-1"}
    )
    assert status == 200 and lifted["lifted"] == 1

    for bad, field in (
        ({"kind": "vacation", "debtor_ref": "D-1", "reason": "x"}, "kind"),
        ({"kind": "cease", "reason": "x"}, "debtor_ref"),
        ({"kind": "cease", "destination": "12", "reason": "x"}, "destination"),
    ):
        status, problem = await api.call("POST", "/v1/holds", role=CP, json_body=bad)
        assert status == 422 and [e["field"] for e in problem["errors"]] == [field]


async def test_templates_are_listed_and_previewed(api: HttpApi) -> None:
    status, listed = await api.call("GET", "/v1/templates", role=S)
    assert status == 200
    names = {(t["channel"], t["name"], t["locale"]) for t in listed["items"]}
    assert ("sms", "overdue_reminder", "zh-CN") in names

    preview = {
        "channel": "sms",
        "template": "overdue_reminder",
        "locale": "en-US",
        "variables": dict(REMINDER["variables"]),
    }
    status, shown = await api.call("POST", "/v1/templates/preview", role=S, json_body=preview)
    assert status == 200 and "Maria Garcia" in shown["body"]
    assert shown["segments"]["encoding"] == "GSM-7" and shown["fits"] is True
    assert shown["civility"] == {"clean": True, "lawful_action": False, "findings": []}
    assert shown["approval"]["approved_by"]  # shipped templates are in compliance's register

    # a sample value with a forbidden phrase: the preview says what the filter would refuse
    rude = {**preview, "variables": {**REMINDER["variables"], "debtor_name": "老赖 Maria"}}
    status, shown = await api.call("POST", "/v1/templates/preview", role=S, json_body=rude)
    assert status == 200 and shown["civility"]["clean"] is False
    [finding] = shown["civility"]["findings"]
    assert finding["text"] == "老赖" and finding["category"] == "insult_profanity"

    del preview["variables"]["amount"]  # type: ignore[attr-defined]
    status, problem = await api.call("POST", "/v1/templates/preview", role=S, json_body=preview)
    assert status == 422 and problem["errors"][0]["field"] == "variables.amount"


def samples(text: str) -> dict[str, float]:
    """A scrape as {series with labels: value}."""
    return {
        name: float(value)
        for name, _, value in (line.rpartition(" ") for line in text.splitlines())
        if name and not name.startswith("#")
    }


async def test_metrics_count_what_happened_by_channel_rule_and_outcome(api: HttpApi) -> None:
    # The counters belong to the process (several tests share it): compare with before.
    before = samples((await api.call("GET", "/metrics"))[1])
    await api.enqueue(idempotency_key="a")
    await api.stack.log.add_hold(
        kind="cease", debtor_ref="D-2", set_by="c", source="api", reason="stop"
    )
    await api.enqueue(idempotency_key="b", debtor_ref="D-2")
    await api.run_worker()
    await api.enqueue(idempotency_key="c", debtor_ref="D-3")

    status, text = await api.call("GET", "/metrics")

    assert status == 200
    now = samples(text)

    def grew(series: str) -> float:
        return now.get(series, 0.0) - before.get(series, 0.0)

    assert grew('dispatcher_messages_accepted_total{channel="sms"}') == 3
    blocked = 'dispatcher_verdicts_total{channel="sms",decision="block",rule_id="hold.active"}'
    assert grew(blocked) == 1
    assert grew('dispatcher_verdicts_total{channel="sms",decision="allow",rule_id=""}') == 1
    assert grew('dispatcher_sends_total{channel="sms",outcome="sent"}') == 1
    assert grew('dispatcher_provider_latency_seconds_count{channel="sms",provider="twilio"}') == 1
    # the one message a worker claimed, due and claimed within the same second
    assert grew('dispatcher_claim_delay_seconds_bucket{channel="sms",le="1.0"}') == 1
    assert grew('dispatcher_claim_delay_seconds_count{channel="sms"}') == 1
    assert now["dispatcher_queue_depth"] == 1
    assert now["dispatcher_active_pauses"] == 0
    assert now["dispatcher_redis_up"] == 1
    lines = set(text.splitlines())
    assert "# TYPE dispatcher_sends_total counter" in lines
    assert "# TYPE dispatcher_claim_delay_seconds histogram" in lines
    assert "dispatcher_send_delay_seconds" not in text  # the rolling hour's, which fell


async def test_a_scrape_reads_no_message_rows(api: HttpApi) -> None:
    """Its cost does not grow with the log: no statement of a scrape touches messages."""
    seen: list[str] = []

    def watch(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", watch)  # every engine of the process
    try:
        status, _ = await api.call("GET", "/metrics")
    finally:
        event.remove(Engine, "before_cursor_execute", watch)
    assert status == 200
    assert any("pauses" in s for s in seen), seen  # the one read it makes is seen
    assert not [s for s in seen if "messages" in s], seen


async def test_healthz_and_the_status_webhook_are_unchanged(api: HttpApi) -> None:
    status, health = await api.call("GET", "/healthz")
    assert status == 200 and health["status"] == "ok"
    async with api.http.post(api.base_url + "/webhooks/twilio/status/X", data={}) as response:
        assert response.status == 403
        assert response.headers["Content-Type"].startswith("text/plain")


async def test_compliance_approves_and_revokes_template_versions(api: HttpApi) -> None:
    listed = (await api.call("GET", "/v1/templates", role=S))[1]["items"]
    [shown] = [t for t in listed if (t["channel"], t["name"], t["locale"]) ==
               ("sms", "overdue_reminder", "en-US")]  # fmt: skip
    decision = {"channel": "sms", "template": "overdue_reminder", "locale": "en-US",
                "version": shown["version"], "approved": False, "reason": "review"}  # fmt: skip

    # only compliance decides
    status, _ = await api.call("POST", "/v1/templates/approvals", role=S, json_body=decision)
    assert status == 403
    # a revocation stops the version the register file approves: refused at enqueue
    status, answer = await api.call("POST", "/v1/templates/approvals", role=CP, json_body=decision)
    assert status == 201 and answer["approval"] is None
    status, problem = await api.call(
        "POST", "/v1/messages", role=S, json_body=reminder(idempotency_key="after-revocation")
    )
    assert status == 422 and problem["errors"][0]["field"] == "template"
    assert "not approved by compliance" in problem["errors"][0]["problem"]

    # approving it again lets it go, and says who approved it
    approve = {**decision, "approved": True, "reason": "reviewed",
               "variables": REMINDER["variables"]}  # fmt: skip
    status, answer = await api.call("POST", "/v1/templates/approvals", role=CP, json_body=approve)
    assert status == 201 and answer["approval"]["approved_by"].startswith("compliance:")
    await api.enqueue(idempotency_key="after-approval")

    # only the version in use can be approved; the field is named
    stale = {**approve, "version": "0" * 16}
    status, problem = await api.call("POST", "/v1/templates/approvals", role=CP, json_body=stale)
    assert status == 422 and problem["errors"][0]["field"] == "version"
