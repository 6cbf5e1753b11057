"""Letters end to end: enqueue, the real worker and pipeline, a PDF at the fake Lob or in the
print room, and signed tracking events back into the contact log.

The stack runs with ``LETTER_PROVIDER=lob`` against a fake Lob on a local port (or
``print_room`` in a temporary folder): the channel is what ``Deps`` builds from settings.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from channels.letters import read_manifest
from dispatcher.client import MessageView
from dispatcher.domain import PENDING, EventSource, MessageStatus
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.settings import Secret
from tests.channels.letters.samples import VARIABLES
from tests.dispatcher.conftest import Stack
from tests.fakes.fake_lob import FakeLob

LOB_API_KEY = "test_0123456789abcdef0123456789abcdef"
LOB_SECRET = "whsec_e2e_0123456789"

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)

ADDRESSES: dict[str, dict[str, Any]] = {
    "zh-CN": {
        "name": "王伟",
        "lines": ["上海市徐汇区衡山路88弄6号302室"],
        "postal_code": "200031",
        "country": "CN",
    },
    "en-US": {
        "name": "Maria Q. Sample",
        "lines": ["1234 Elm Street, Apt 5B", "Springfield, IL 62704"],
        "country": "US",
    },
}
DEBTORS = {
    "zh-CN": {"country": "CN", "time_zone": "Asia/Shanghai"},
    "en-US": {"country": "US", "region": "IL", "time_zone": "America/Chicago"},
}


@pytest.fixture
async def fake_lob() -> AsyncIterator[FakeLob]:
    async with FakeLob(LOB_API_KEY, webhook_secret=LOB_SECRET) as fake:
        yield fake


@pytest.fixture
def stack_options(fake_lob: FakeLob) -> dict[str, Any]:
    return {
        "auto_callbacks": False,
        "letter_provider": "lob",
        "lob_api_key": Secret(LOB_API_KEY),
        "lob_api_base_url": fake_lob.base_url + "/v1",
        "lob_webhook_secret": Secret(LOB_SECRET),
    }


def first_notice(locale: str, **overrides: Any) -> MessageRequest:
    fields: dict[str, Any] = {
        "channel": "letter",
        "template": "first_notice",
        "locale": locale,
        "destination": "",
        "debtor_ref": f"D-{locale}",
        "account_ref": f"A-{locale}",
        "variables": dict(VARIABLES[locale]),
        "address": ADDRESSES[locale],
    }
    fields.update(overrides)
    return MessageRequest(**fields)


async def send_letter(stack: Stack, locale: str, **overrides: Any) -> str:
    await stack.log.upsert_debtor(f"D-{locale}", locale=locale, **DEBTORS[locale])
    return (await stack.client.send(first_notice(locale, **overrides))).message_id


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_sizes(pdf: bytes) -> set[tuple[float, float]]:
    return {
        (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
        for p in PdfReader(io.BytesIO(pdf)).pages
    }


async def lob_url(stack: Stack) -> str:
    return stack.settings.public_base_url + "/webhooks/lob/events"


def webhook_events(view: MessageView) -> list[tuple[str, str]]:
    return [(e.status, e.detail.get("provider_status", "")) for e in view.events
            if e.source == "webhook"]  # fmt: skip


async def sent_letter(stack: Stack, fake_lob: FakeLob, locale: str = "en-US", **kw: Any) -> str:
    message_id = await send_letter(stack, locale, **kw)
    await stack.run_worker()
    view = await stack.view(message_id)
    assert view.status == "sent", view.message
    assert view.message["provider_message_id"] in fake_lob.letters
    return message_id


# -- to the provider and the print room ------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "size", "expected"),
    [
        ("zh-CN", A4, ["书面告知函", "12,345.67", "王伟"]),
        ("en-US", LETTER, ["Notice of debt", "$2,204.62", "Maria Q. Sample"]),
    ],
)
async def test_a_first_notice_goes_through_the_pipeline_to_the_provider(
    stack: Stack, fake_lob: FakeLob, locale: str, size: tuple[float, float], expected: list[str]
) -> None:
    # Given a first notice enqueued like any other message
    message_id = await send_letter(stack, locale)

    # When the real worker runs the pipeline
    await stack.run_worker()

    # Then the provider received one two-page PDF for this message, on the country's paper
    view = await stack.view(message_id)
    assert view.status == "sent", view.message
    assert view.message["provider"] == "lob"
    [letter] = fake_lob.letters.values()
    assert view.message["provider_message_id"] == letter.id
    assert letter.fields["metadata[message_id]"] == message_id
    assert letter.idempotency_key == message_id
    assert letter.to["name"] == ADDRESSES[locale]["name"]
    assert letter.to["address_country"] == ADDRESSES[locale]["country"]
    assert letter.from_["name"] == VARIABLES[locale]["return_company_name"]
    assert page_sizes(letter.file) == {size}
    assert len(PdfReader(io.BytesIO(letter.file)).pages) == 2
    text = pdf_text(letter.file)
    for words in expected:
        assert words in text


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", A4), ("en-US", LETTER)])
async def test_a_first_notice_goes_to_the_print_room_with_the_address_in_the_window(
    stack: Stack, tmp_path: Path, locale: str, size: tuple[float, float]
) -> None:
    room = tmp_path / "room"
    stack.settings = dataclasses.replace(
        stack.settings, letter_provider="print_room", print_room_dir=room
    )
    message_id = await send_letter(stack, locale)

    await stack.run_worker()

    view = await stack.view(message_id)
    assert view.status == "sent", view.message
    assert view.message["provider"] == "print_room"
    [folder] = [p for p in room.iterdir() if p.is_dir()]
    [row] = read_manifest(folder)
    assert row["message_id"] == message_id
    assert view.message["provider_message_id"] == f"{folder.name}/{message_id}.pdf"
    pdf = (folder / f"{message_id}.pdf").read_bytes()
    assert page_sizes(pdf) == {size}
    text = pdf_text(pdf)
    address = ADDRESSES[locale]
    assert address["name"] in text
    assert address["lines"][-1] in text  # the window shows the message's address
    assert ("12,345.67" if locale == "zh-CN" else "$2,204.62") in text
    if locale == "zh-CN":
        assert "200031" in text and "书面告知函" in text


# -- tracking events -------------------------------------------------------------------


async def test_delivered_moves_the_letter_to_delivered(stack: Stack, fake_lob: FakeLob) -> None:
    message_id = await sent_letter(stack, fake_lob)
    letter_id = (await stack.view(message_id)).message["provider_message_id"]

    assert (
        await fake_lob.send_tracking_event(letter_id, "letter.mailed", url=await lob_url(stack))
        == 204
    )
    assert (
        await fake_lob.send_tracking_event(letter_id, "letter.in_transit", url=await lob_url(stack))
        == 204
    )
    assert (await stack.view(message_id)).status == "sent"
    assert (
        await fake_lob.send_tracking_event(letter_id, "letter.delivered", url=await lob_url(stack))
        == 204
    )

    view = await stack.view(message_id)
    assert view.status == "delivered"
    assert webhook_events(view) == [
        ("sent", "letter.mailed"), ("sent", "letter.in_transit"),
        ("delivered", "letter.delivered"),
    ]  # fmt: skip
    message = await stack.log.get(message_id)
    assert message.result == "sent"


async def test_returned_to_sender_holds_the_address_and_blocks_the_next_letter(
    stack: Stack, fake_lob: FakeLob
) -> None:
    # Given a letter returned to sender
    message_id = await sent_letter(stack, fake_lob)
    letter_id = (await stack.view(message_id)).message["provider_message_id"]
    url = await lob_url(stack)
    assert (
        await fake_lob.send_tracking_event(letter_id, "letter.returned_to_sender", url=url) == 204
    )

    view = await stack.view(message_id)
    assert view.status == "undelivered"
    assert view.message["error_code"] == "returned_to_sender"

    # When the next letter goes to the same address, and another to a new address
    again = await send_letter(stack, "en-US", idempotency_key="again")
    moved = {**ADDRESSES["en-US"], "lines": ["77 Oak Avenue", "Springfield, IL 62701"]}
    elsewhere = await send_letter(stack, "en-US", idempotency_key="elsewhere", address=moved)
    await stack.run_worker()

    # Then the gate blocks the first with the hold in its verdict, and the second goes
    blocked = await stack.view(again)
    assert blocked.status == "blocked"
    verdict = blocked.message["verdict"]
    assert verdict["rule_id"] == "hold.active"
    [hold_rule] = [r for r in verdict["rules"] if r["rule_id"] == "hold.active"]
    [hold] = hold_rule["inputs"]["holds"]
    assert hold["kind"] == "bad_address"
    assert hold["destination"] == view.message["destination"]
    assert hold["source"] == "provider:lob:returned_to_sender"
    assert hold["set_by"] == "provider:lob"
    assert (await stack.view(elsewhere)).status == "sent"
    assert len(fake_lob.letters) == 2


@pytest.mark.parametrize(
    "forgery",
    [
        {"signed": False},
        {"signature": "0" * 64},
        {"secret": "not-our-secret"},
        {"timestamp": "1700000000000"},  # signed, but long ago
    ],
    ids=["unsigned", "forged", "other-secret", "stale"],
)
async def test_a_badly_signed_event_is_refused_and_changes_nothing(
    stack: Stack, fake_lob: FakeLob, forgery: dict[str, Any]
) -> None:
    message_id = await sent_letter(stack, fake_lob)
    letter_id = (await stack.view(message_id)).message["provider_message_id"]
    before = await stack.view(message_id)

    status = await fake_lob.send_tracking_event(
        letter_id, "letter.returned_to_sender", url=await lob_url(stack), **forgery
    )

    assert status == 401
    after = await stack.view(message_id)
    assert after.status == "sent"
    assert after.events == before.events
    holds = await stack.log.lift_hold(
        kind="bad_address", lifted_by="test", destination=after.message["destination"]
    )
    assert holds == 0  # none was set


async def test_a_replayed_event_changes_nothing_the_second_time(
    stack: Stack, fake_lob: FakeLob
) -> None:
    message_id = await sent_letter(stack, fake_lob)
    letter_id = (await stack.view(message_id)).message["provider_message_id"]
    url = await lob_url(stack)
    await fake_lob.send_tracking_event(letter_id, "letter.in_transit", url=url)
    await fake_lob.send_tracking_event(letter_id, "letter.delivered", url=url)

    for attempt in list(fake_lob.webhooks):  # the provider retries: same body, same id
        assert await fake_lob.replay(attempt) == 204

    view = await stack.view(message_id)
    assert view.status == "delivered"
    assert webhook_events(view) == [
        ("sent", "letter.in_transit"),
        ("delivered", "letter.delivered"),
    ]


# -- a worker dying mid-send ------------------------------------------------------------


@pytest.mark.parametrize("lob_took_it", [True, False])
async def test_a_letter_left_sending_by_a_crash_is_sent_again_with_its_key_once(
    stack: Stack, fake_lob: FakeLob, lob_took_it: bool
) -> None:
    # Given a letter whose worker died mid-send, after or before the provider took it
    message_id = await send_letter(stack, "en-US")
    if lob_took_it:
        await stack.run_worker()
        await stack.log.transition(
            message_id, expect={MessageStatus.SENT}, to=MessageStatus.SENDING,
            source=EventSource.WORKER, provider_message_id=None,
        )  # fmt: skip
    else:
        await stack.log.transition(
            message_id, expect=PENDING, to=MessageStatus.SENDING, source=EventSource.WORKER,
            attempted_at=stack.clock.now(), attempts=1,
        )  # fmt: skip

    # When the sweep finds it: the message id is the provider's idempotency key
    await stack.sweep(sending_timeout_s=0.0)
    assert (await stack.view(message_id)).status == "queued"
    await stack.run_worker()

    # Then it is sent, and the provider holds one letter for it, whatever had happened
    view = await stack.view(message_id)
    assert view.status == "sent"
    assert len(fake_lob.letters) == 1
    assert view.message["provider_message_id"] in fake_lob.letters

