"""The trials' one checker, on records made up to show each lie it must catch."""

from __future__ import annotations

import pytest

from tests.faults.checker import LoggedMessage, check_trial
from tests.faults.faulty_twilio import CreateRecord, our_message_id
from tests.faults.provider import ProviderRecords

pytestmark = pytest.mark.faults

A, B, C = "01A" + "0" * 23, "01B" + "0" * 23, "01C" + "0" * 23


def logged(message_id: str, status: str, provider_id: str | None = None) -> LoggedMessage:
    return LoggedMessage(message_id, "sms", status, provider_id, 1, None, None)


def create(message_id: str, sid: str | None, fault: str = "none") -> CreateRecord:
    return CreateRecord(message_id, "sms", 0.0, fault, sid, "+12015550100")


def provider(*creates: CreateRecord) -> ProviderRecords:
    return ProviderRecords(list(creates), lookups=0, messages={}, calls={})


def test_our_id_is_read_from_either_callback_url() -> None:
    assert our_message_id(f"http://h:1/webhooks/twilio/status/{A}") == A
    assert our_message_id(f"http://h:1/webhooks/twilio/voice/{B}/status/debtor") == B
    assert our_message_id("http://h:1/elsewhere") is None


def test_an_honest_log_passes() -> None:
    report = check_trial(
        "honest",
        {A: logged(A, "delivered", "SM1"), B: logged(B, "unknown"), C: logged(C, "failed")},
        provider(create(A, None, "refuse:429"), create(A, "SM1"), create(B, "SM2")),
        send_max_tries=5,
    )
    assert report.failures() == []
    assert (report.provider_creates, report.max_tries_seen) == (3, 2)


def test_each_lie_is_named_with_the_message() -> None:
    report = check_trial(
        "lies",
        {
            A: logged(A, "sent", "SM1"),  # the provider created it twice
            B: logged(B, "sent", "SM1"),  # another message's provider id
            C: logged(C, "failed"),  # "never went", but the provider has it
        },
        provider(create(A, "SM1"), create(A, "SM2"), create(C, "SM3")),
        send_max_tries=5,
        dead_workers=["worker-2"],
    )
    assert (report.duplicates, report.phantom_sends, report.hidden_sends) == ([A], [B], [C])
    assert report.dead_workers == ["worker-2"]
    assert len(report.failures()) == 4


def test_unsettled_and_too_many_tries_fail() -> None:
    report = check_trial(
        "stuck",
        {A: logged(A, "sending"), B: logged(B, "failed")},
        provider(*[create(B, None, "refuse:503")] * 6),
        send_max_tries=5,
    )
    assert (report.lost, report.too_many_tries, report.max_tries_seen) == ([A], [B], 6)
