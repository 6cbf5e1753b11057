"""Inbound SMS: STOP (in any case or width, in English or Chinese) stops queued texts to that
number; START lifts it; HELP answers; unsigned or forged webhooks change nothing."""

from __future__ import annotations

import pytest

from dispatcher.api.inbound import STOP_WORDS, keyword
from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi

NUMBER = "+12015550123"


@pytest.mark.parametrize(
    "reply",
    [
        "STOP",
        "stop",
        "ＳＴＯＰ",
        " Stop. ",
        "StopAll",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "QUIT",
        "revoke",
        "OPT OUT",
        "opt  out",
        "退订",
        "TD",
        "t",
    ],
)
def test_every_stop_word_is_recognised(reply: str) -> None:
    assert keyword(reply) in STOP_WORDS


def test_ordinary_replies_are_not_stop_words() -> None:
    for reply in ("I will pay on Friday", "stop calling my mother", "ok", "tt", "退订了吗"):
        assert keyword(reply) not in STOP_WORDS


async def test_stop_mid_queue_stops_the_queued_texts_and_start_lifts_it(api: HttpApi) -> None:
    queued = [await api.enqueue(idempotency_key=f"q{i}") for i in range(3)]
    other = await api.enqueue(
        idempotency_key="other", debtor_ref="D-2", destination="+1 212 555 0134"
    )

    assert await api.inbound("ＳＴＯＰ", sender=NUMBER) == 200
    assert api.last_twiml.endswith("<Response></Response>")
    await api.run_worker()

    for message_id in queued:
        _, message = await api.call("GET", f"/v1/messages/{message_id}", role=Role.COMPLIANCE)
        assert message["status"] == "blocked"
        assert message["verdict"]["rule_id"] == "hold.active"
        assert "source inbound:STOP" in message["verdict"]["reason"]
    assert await api.status_of(other) in {"sent", "delivered"}
    assert [r.form["To"] for r in api.stack.twilio.requests] == ["+12125550134"]

    _, holds = await api.call(
        "GET", "/v1/holds", role=Role.COMPLIANCE, params={"destination": NUMBER}
    )
    assert [(h["kind"], h["channel"], h["source"]) for h in holds["items"]] == [
        ("opt_out", "sms", "inbound:STOP")
    ]

    assert await api.inbound("start", sender=NUMBER) == 200
    again = await api.enqueue(idempotency_key="after-start")
    await api.run_worker()
    assert await api.status_of(again) in {"sent", "delivered"}
    _, holds = await api.call(
        "GET", "/v1/holds", role=Role.COMPLIANCE, params={"destination": NUMBER, "active": "false"}
    )
    assert holds["items"][0]["lifted_by"] == "inbound-sms:START"


async def test_start_also_lifts_an_opt_out_the_provider_reported(api: HttpApi) -> None:
    await api.stack.log.add_hold(
        kind="opt_out",
        channel="sms",
        destination=NUMBER,
        debtor_ref="D-1",
        set_by="provider:twilio",
        source="provider:twilio:21610",
        reason="unsubscribed",
    )
    await api.inbound("START", sender=NUMBER)
    message_id = await api.enqueue()
    await api.run_worker()
    assert await api.status_of(message_id) in {"sent", "delivered"}


async def test_help_answers_with_the_company_contact_line(
    api: HttpApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANY_HELP_TEXT", "Harbor Recovery <help>: call 800-555-0199")
    assert await api.inbound("help", sender=NUMBER) == 200
    assert api.last_twiml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        "Harbor Recovery &lt;help&gt;: call 800-555-0199</Message></Response>"
    )


async def test_unsigned_and_forged_inbound_webhooks_are_refused(api: HttpApi) -> None:
    assert await api.inbound("STOP", signed=False) == 403
    url = api.base_url + "/webhooks/twilio/inbound"
    async with api.http.post(
        url, data={"From": NUMBER, "Body": "STOP"}, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}
    ) as response:
        assert response.status == 403
    _, holds = await api.call(
        "GET", "/v1/holds", role=Role.COMPLIANCE, params={"destination": NUMBER}
    )
    assert holds["items"] == []
