"""Preferences from a collector's disposition and from Python: added to what is on record,
logged with who and why, every problem named at once; obeyed by the real gate."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from dispatcher.calls_and_visits.dispositions import record_disposition
from dispatcher.client import DispatcherClient
from dispatcher.errors import InvalidRequest
from dispatcher.preferences import read_preferences, set_preferences
from tests.dispatcher.calls_and_visits.test_dispositions import client, placed_call  # noqa: F401

NOT_BEFORE_10 = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "10:00"}
WEEKDAY_AFTERNOONS = {"weekdays": [0, 1, 2, 3, 4], "start": "15:00", "end": "17:00"}


def debtor() -> str:
    return f"D-{uuid.uuid4().hex[:10]}"


async def test_a_disposition_adds_what_the_debtor_said_to_the_record(
    client: DispatcherClient,  # noqa: F811
) -> None:
    ref = debtor()
    await set_preferences(
        client.log, ref, {"inconvenient_times": [WEEKDAY_AFTERNOONS]},
        by="strategy:crm", reason="letter of 11-28",
    )  # fmt: skip
    message_id = await placed_call(client, debtor_ref=ref)

    recorded = await record_disposition(
        client, message_id, kind="right_party", by_collector="c-1",
        details={"note": "不要早上打电话，也不要打到单位",
                 "preferences": {"inconvenient_times": [{"end": "10:00"}],
                                 "inconvenient_places": ["work"], "preferred_locale": "zh-CN"}},
    )  # fmt: skip

    assert recorded.disposition["preferences"]["inconvenient_places"] == ["work"]
    preferences, changes = await read_preferences(client.log, ref)
    assert preferences.inconvenient_times == [WEEKDAY_AFTERNOONS, NOT_BEFORE_10]
    assert preferences.inconvenient_places == ["work"]
    assert preferences.preferred_locale == "zh-CN"
    assert [(c.by, c.source) for c in changes] == [
        ("strategy:crm", "api"),
        ("collector:c-1", f"disposition:{message_id}"),
    ]
    assert changes[1].reason == "不要早上打电话，也不要打到单位"
    assert set(changes[1].changes) == {
        "inconvenient_times", "inconvenient_places", "preferred_locale",
    }  # fmt: skip


async def test_every_problem_of_a_disposition_is_named_at_once(
    client: DispatcherClient,  # noqa: F811
) -> None:
    message_id = await placed_call(client, debtor_ref=debtor())

    with pytest.raises(InvalidRequest) as refused:
        await record_disposition(
            client, message_id, kind="promise_to_pay", by_collector="c-1",
            details={"amount": "-5", "date": date(2026, 11, 1).isoformat(),
                     "note": "told the idiot", "callback_at": "tomorrow",
                     "preferences": {"inconvenient_times": [{"start": "25:00"}],
                                     "preferred_channel": "fax", "mood": "calm"}},
        )  # fmt: skip

    fields = sorted(p.field for p in refused.value.problems)
    assert fields == [
        "amount", "callback_at", "date", "note", "preferences",
        "preferences.inconvenient_times[0].start", "preferences.preferred_channel",
    ]  # fmt: skip
    assert (await client.log.get(message_id)).disposition is None


async def test_a_reminder_problem_is_named_with_the_notes(
    client: DispatcherClient,  # noqa: F811
) -> None:
    message_id = await placed_call(client, debtor_ref=debtor())

    with pytest.raises(InvalidRequest) as refused:
        await record_disposition(
            client, message_id, kind="promise_to_pay", by_collector="c-1",
            details={"amount": "50.00", "date": date(2026, 12, 5).isoformat(),
                     "note": "told the idiot", "reminder_variables": {"company_name": "x" * 2000}},
        )  # fmt: skip

    fields = {p.field for p in refused.value.problems}
    assert "note" in fields
    assert any(f.startswith("reminder_variables") for f in fields), fields


async def test_only_a_debtor_who_spoke_states_preferences(
    client: DispatcherClient,  # noqa: F811
) -> None:
    ref = debtor()
    message_id = await placed_call(client, debtor_ref=ref, result="unanswered")

    with pytest.raises(InvalidRequest) as refused:
        await record_disposition(
            client, message_id, kind="no_contact", by_collector="c-1",
            details={"preferences": {"preferred_channel": "sms"}},
        )  # fmt: skip

    assert [p.field for p in refused.value.problems] == ["preferences"]
    preferences, changes = await read_preferences(client.log, ref)
    assert preferences.preferred_channel is None and changes == []


async def test_python_upsert_keeps_preferences_it_does_not_name(
    client: DispatcherClient,  # noqa: F811
) -> None:
    ref = debtor()
    await client.log.upsert_debtor(
        ref, country="US", preferences={"preferred_channel": "letter"}, changed_by="ops:script",
        reason="imported",
    )  # fmt: skip
    stored: dict[str, Any] = await client.log.upsert_debtor(ref, country="US")

    assert stored["preferred_channel"] == "letter"
    _, changes = await read_preferences(client.log, ref)
    assert [(c.by, c.reason) for c in changes] == [("ops:script", "imported")]
