"""Letters over HTTP: enqueued with an address instead of a phone number, shown masked."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi, reminder
from tests.channels.letters.samples import VARIABLES

S = Role.STRATEGY
ADDRESS = {
    "name": "Maria Q. Sample",
    "lines": ["1234 Elm Street, Apt 5B", "Springfield, IL 62704"],
    "country": "US",
}


def letter(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "letter",
        "template": "first_notice",
        "locale": "en-US",
        "debtor_ref": "D-L1",
        "variables": dict(VARIABLES["en-US"]),
        "address": dict(ADDRESS),
    }
    body.update(overrides)
    return body


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem["errors"]}


async def test_a_letter_is_accepted_with_an_address_and_no_destination(api: HttpApi) -> None:
    status, accepted = await api.call("POST", "/v1/messages", role=S, json_body=letter())
    assert status == 202, accepted
    assert accepted["status"] == "queued"

    _, full = await api.call("GET", f"/v1/messages/{accepted['id']}", role=Role.COMPLIANCE)
    assert full["channel"] == "letter"
    assert full["address"] == {**ADDRESS, "postal_code": None}
    assert full["destination"].startswith("addr:")

    _, masked = await api.call("GET", f"/v1/messages/{accepted['id']}", role=S)
    assert masked["address"] == {
        "name": "M***", "lines": ["***", "***"], "postal_code": None, "country": "US",
    }  # fmt: skip
    assert "Elm" not in str(masked)


async def test_a_letter_without_an_address_is_refused_naming_it(api: HttpApi) -> None:
    body = letter()
    del body["address"]
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=body)
    assert status == 422
    assert fields_of(problem) == {"address"}


async def test_bad_address_fields_are_named(api: HttpApi) -> None:
    bad = {"name": " ", "lines": [], "country": "usa", "floor": 3}
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=letter(address=bad))
    assert status == 422
    assert {"address.name", "address.lines", "address.country", "address"} <= fields_of(problem)


async def test_phone_channels_still_need_a_destination_and_take_no_address(api: HttpApi) -> None:
    sms = {"channel": "sms", "template": "overdue_reminder", "locale": "en-US",
           "debtor_ref": "D-1", "variables": {}}  # fmt: skip
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=sms)
    assert status == 422 and "destination" in fields_of(problem)

    with_address = {**sms, "destination": "+1 201 555 0123", "address": ADDRESS}
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=with_address)
    assert status == 422 and "address" in fields_of(problem)


async def test_a_letter_with_a_destination_is_refused(api: HttpApi) -> None:
    body = letter(destination="+1 201 555 0123")
    status, problem = await api.call("POST", "/v1/messages", role=S, json_body=body)
    assert status == 422
    assert fields_of(problem) == {"destination"}


async def test_a_batch_mixes_letters_and_texts(api: HttpApi) -> None:
    batch = [letter(idempotency_key="b:letter"), reminder(idempotency_key="b:sms"),
             letter(idempotency_key="b:bad", address=None)]  # fmt: skip
    status, problem = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": batch}
    )
    assert status == 422
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [(2, "address")]

    status, answer = await api.call(
        "POST", "/v1/messages/batch", role=S, json_body={"messages": batch[:2]}
    )
    assert status == 202, answer
    assert answer["created"] == 2
