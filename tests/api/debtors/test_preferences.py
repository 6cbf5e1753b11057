"""A debtor's preferences over HTTP: set with PUT /v1/debtors (checked field by field,
kept when left out, logged with who and why), read back with their log, and obeyed by
the real gate: "not before 10:00" defers a 09:00 text to 10:00 local; "not at work"
stops texts to the work number."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dispatcher.clock import ShiftedClock
from dispatcher.contactlog.keys import Role
from dispatcher.domain import EventSource, MessageStatus
from tests.api.calls_and_visits.test_calls_visits import collectors, placed_call
from tests.api.conftest import HttpApi

S, CP, CO = Role.STRATEGY, Role.COMPLIANCE, Role.COLLECTOR
NEW_YORK = ZoneInfo("America/New_York")
WORK, MOBILE = "+12015550123", "+12015550124"  # the reminder's number is the work one


@pytest.fixture
def stack_options() -> dict[str, Any]:
    # Monday 09:00 in New York: inside the US hours (08:00-21:00).
    return {"clock": ShiftedClock(datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK))}


def debtor() -> str:
    """A debtor of this test alone: the log of preference changes is never cleared."""
    return f"D-{uuid.uuid4().hex[:10]}"


async def test_not_before_10_is_stored_logged_and_read_back(api: HttpApi) -> None:
    ref = debtor()
    body = {"country": "US", "inconvenient_times": [{"end": "10:00"}], "reason": "letter of 11-28"}

    status, stored = await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body)

    assert status == 200, stored
    assert stored["inconvenient_times"] == [
        {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "10:00"}
    ]
    status, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=CO)
    assert status == 200
    assert shown["inconvenient_times"] == stored["inconvenient_times"]
    [change] = shown["changes"]
    assert change["by"] == "strategy:strategy-1"
    assert change["reason"] == "letter of 11-28"
    assert change["changes"] == {
        "inconvenient_times": {"from": [], "to": stored["inconvenient_times"]}
    }


async def test_a_put_that_leaves_preferences_out_keeps_them(api: HttpApi) -> None:
    ref = debtor()
    first = {"country": "US", "preferred_channel": "sms", "preferred_locale": "zh-CN"}
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=first))[0] == 200

    status, stored = await api.call(
        "PUT", f"/v1/debtors/{ref}", role=S, json_body={"country": "US"}
    )

    assert status == 200
    assert (stored["preferred_channel"], stored["preferred_locale"]) == ("sms", "zh-CN")
    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=S)
    assert len(shown["changes"]) == 1  # the second PUT changed no preference: nothing logged

    status, cleared = await api.call(
        "PUT", f"/v1/debtors/{ref}", role=S, json_body={"preferred_channel": None}
    )
    assert status == 200 and cleared["preferred_channel"] is None
    assert cleared["preferred_locale"] == "zh-CN"


async def test_bad_preferences_are_named_each_and_nothing_is_written(api: HttpApi) -> None:
    ref = debtor()
    body = {
        "country": "US",
        "inconvenient_times": [{"start": "9am"}, {"weekdays": [7]}, {"weekdays": [0], "x": 1}],
        "inconvenient_places": ["work", "gym"],
        "preferred_channel": "fax",
        "preferred_locale": "fr-FR",
    }

    status, problem = await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body)

    assert status == 422
    assert sorted(e["field"] for e in problem["errors"]) == [
        "inconvenient_places[1]",
        "inconvenient_times[0].start",
        "inconvenient_times[1].weekdays",
        "inconvenient_times[2]",
        "preferred_channel",
        "preferred_locale",
    ]
    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=CP)
    assert shown["changes"] == [] and shown["inconvenient_places"] == []


async def test_a_time_covering_the_whole_week_is_refused_as_a_cease(api: HttpApi) -> None:
    body = {"inconvenient_times": [{"start": "10:00", "end": "10:00"}]}
    status, problem = await api.call("PUT", f"/v1/debtors/{debtor()}", role=S, json_body=body)
    assert status == 422
    assert problem["errors"][0]["field"] == "inconvenient_times[0]"
    assert "cease" in problem["errors"][0]["problem"]


async def test_a_text_at_09_00_to_not_before_10_waits_until_10_00_local(api: HttpApi) -> None:
    ref = debtor()
    body = {"country": "US", "inconvenient_times": [{"end": "10:00"}]}
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body))[0] == 200
    message_id = await api.enqueue(debtor_ref=ref)

    await api.run_worker()

    message = (await api.stack.view(message_id)).message
    assert message["status"] == "deferred"
    assert message["verdict"]["rule_id"] == "hours.allowed_window"
    assert message["scheduled_for"].astimezone(NEW_YORK) == datetime(
        2026, 11, 30, 10, 0, tzinfo=NEW_YORK
    )
    assert api.stack.twilio.requests == []


async def test_not_at_work_stops_texts_to_the_work_number_only(api: HttpApi) -> None:
    ref = debtor()
    body = {
        "country": "US",
        "phones": [{"number": WORK, "type": "work"}, {"number": MOBILE, "type": "mobile"}],
        "inconvenient_places": ["work"],
        "reason": "said on the phone",
    }
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body))[0] == 200
    to_work = await api.enqueue(debtor_ref=ref)
    to_mobile = await api.enqueue(debtor_ref=ref, destination=MOBILE)

    await api.run_worker()

    work = (await api.stack.view(to_work)).message
    assert work["status"] == "blocked"
    assert work["verdict"]["rule_id"] == "hold.active"
    assert (await api.stack.view(to_mobile)).message["status"] in {"sent", "delivered"}
    status, holds = await api.call("GET", "/v1/holds", role=CP, params={"debtor_ref": ref})
    assert status == 200
    [hold] = holds["items"]
    assert (hold["kind"], hold["set_by"]) == ("no_work_contact", "strategy:strategy-1")
    assert "said on the phone" in hold["reason"]


async def test_a_work_hold_set_by_compliance_is_the_same_place_preference(api: HttpApi) -> None:
    ref = debtor()
    hold = {"kind": "no_work_contact", "debtor_ref": ref, "reason": "letter"}
    assert (await api.call("POST", "/v1/holds", role=CP, json_body=hold))[0] == 201

    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=S)
    assert shown["inconvenient_places"] == ["work"]

    status, cleared = await api.call(
        "PUT", f"/v1/debtors/{ref}", role=CP, json_body={"inconvenient_places": []}
    )
    assert status == 200 and cleared["inconvenient_places"] == []
    _, holds = await api.call("GET", "/v1/holds", role=CP, params={"debtor_ref": ref})
    assert holds["items"] == []
    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=S)
    assert shown["changes"][-1]["by"] == "compliance:compliance-1"


async def test_the_preferred_channel_is_recorded_in_the_verdict_not_enforced(
    api: HttpApi,
) -> None:
    ref = debtor()
    body = {"country": "US", "preferred_channel": "letter", "preferred_locale": "zh-CN"}
    assert (await api.call("PUT", f"/v1/debtors/{ref}", role=S, json_body=body))[0] == 200
    message_id = await api.enqueue(debtor_ref=ref)  # a text, in en-US

    await api.run_worker()

    message = (await api.stack.view(message_id)).message
    assert message["status"] in {"sent", "delivered"}
    [rule] = [r for r in message["verdict"]["rules"] if r["rule_id"] == "preferences.stated"]
    assert rule["decision"] == "allow"
    assert rule["inputs"]["channel_preferred"] is False
    assert rule["inputs"]["locale_preferred"] is False
    assert "prefers letter" in rule["reason"]


async def test_a_disposition_over_http_names_every_problem_then_records_preferences(
    api: HttpApi,
) -> None:
    ref = debtor()
    await collectors(api)
    call_id = await placed_call(api, debtor_ref=ref)
    path = f"/v1/calls/{call_id}/disposition"
    bad = {
        "kind": "promise_to_pay", "amount": "-1", "date": "2026-11-01", "mood": "calm",
        "preferences": {"inconvenient_times": [{"end": "10:61"}], "preferred_channel": "fax"},
    }  # fmt: skip

    status, problem = await api.call("POST", path, role=CO, json_body=bad)

    assert status == 422
    assert sorted(e["field"] for e in problem["errors"]) == [
        "amount", "date", "mood",
        "preferences.inconvenient_times[0].end", "preferences.preferred_channel",
    ]  # fmt: skip
    said = {"kind": "right_party", "note": "不要上午打电话",
            "preferences": {"inconvenient_times": [{"end": "10:00"}]}}  # fmt: skip
    status, recorded = await api.call("POST", path, role=CO, json_body=said)
    assert status == 200, recorded
    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=CO)
    assert shown["inconvenient_times"][0]["end"] == "10:00"
    assert shown["changes"][0]["by"] == "collector:collector-1"
    assert shown["changes"][0]["source"] == f"disposition:{call_id}"


async def test_a_visit_outcome_records_what_the_debtor_said_at_the_door(api: HttpApi) -> None:
    ref = debtor()
    for collector_id in ("collector-1", "c-2"):
        await api.stack.log.collectors.upsert(
            collector_id, name=collector_id, phone="+12015550101", trained_on=date(2026, 1, 5)
        )
    visit_at = datetime(2026, 12, 1, 11, 0, tzinfo=NEW_YORK)
    plan = {
        "debtor_ref": ref, "locale": "en-US", "visit_at": visit_at.isoformat(),
        "address": {"name": "Maria Garcia", "lines": ["12 Elm Street"], "country": "US"},
        "collector_ids": ["collector-1", "c-2"], "variables": {"debtor_name": "Maria Garcia"},
    }  # fmt: skip
    status, accepted = await api.call("POST", "/v1/visits", role=S, json_body=plan)
    assert status == 202, accepted
    visit_id = accepted["id"]
    assert await api.stack.log.transition(
        visit_id, expect={MessageStatus.QUEUED}, to=MessageStatus.SENT, source=EventSource.WORKER
    )
    assert isinstance(api.stack.clock, ShiftedClock)  # the server's clock too
    api.stack.clock.move_to(visit_at + timedelta(hours=1))
    path = f"/v1/visits/{visit_id}/outcome"
    said = {"inconvenient_places": ["work"], "preferred_channel": "letter"}

    status, problem = await api.call(
        "POST", path, role=CO,
        json_body={"result": "not_met", "went": ["collector-1"], "preferences": said},
    )  # fmt: skip
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["preferences"]
    status, recorded = await api.call(
        "POST", path, role=CO,
        json_body={"result": "visited", "went": ["collector-1", "c-2"], "preferences": said},
    )  # fmt: skip

    assert status == 200, recorded
    _, shown = await api.call("GET", f"/v1/debtors/{ref}/preferences", role=CP)
    assert (shown["inconvenient_places"], shown["preferred_channel"]) == (["work"], "letter")
    assert (shown["changes"][0]["by"], shown["changes"][0]["source"]) == (
        "collector:collector-1",
        f"visit:{visit_id}",
    )
