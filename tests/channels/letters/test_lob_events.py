"""Tracking webhooks: signed by the fake Lob, received by a real endpoint, parsed into our words."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from channels.base import DeliveryStatus
from channels.letters import InvalidSignature, LobStyleLetters, RenderedPdf, parse_tracking_event
from channels.letters.lob_events import (
    LOB_EVENTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TrackingEvent,
    sign_tracking_event,
)
from tests.channels.letters.conftest import LOB_WEBHOOK_SECRET, us_letter
from tests.fakes.fake_lob import FakeLob


class Receiver:
    """A webhook endpoint as the web app would have it: verify, parse, record."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: list[TrackingEvent] = []
        self.refused: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/lob", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/webhooks/lob"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = parse_tracking_event(
                body,
                request.headers.get(SIGNATURE_HEADER),
                self.secret,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
            )
        except InvalidSignature as exc:
            self.refused.append(str(exc))
            return web.Response(status=401)
        except ValueError as exc:
            self.refused.append(str(exc))
            return web.Response(status=400)
        self.events.append(event)
        return web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(LOB_WEBHOOK_SECRET)
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def letter_id(lob: LobStyleLetters, sample_pdf: RenderedPdf) -> str:
    return (await lob.send(us_letter(sample_pdf))).provider_message_id


EXPECTED = {
    "letter.mailed": DeliveryStatus.ACCEPTED,
    "letter.in_transit": DeliveryStatus.ACCEPTED,
    "letter.in_local_area": DeliveryStatus.ACCEPTED,
    "letter.processed_for_delivery": DeliveryStatus.ACCEPTED,
    "letter.re-routed": DeliveryStatus.ACCEPTED,
    "letter.delivered": DeliveryStatus.DELIVERED,
    "letter.returned_to_sender": DeliveryStatus.UNDELIVERED,
}


def test_every_tracking_event_is_mapped() -> None:
    assert dict(LOB_EVENTS) == EXPECTED


@pytest.mark.parametrize("event_type", sorted(EXPECTED))
async def test_a_signed_event_is_accepted_and_mapped(
    fake_lob: FakeLob, receiver: Receiver, letter_id: str, event_type: str
) -> None:
    status = await fake_lob.send_tracking_event(letter_id, event_type, url=receiver.url)

    assert status == 200
    [event] = receiver.events
    assert event.provider_message_id == letter_id
    assert event.raw_event == event_type
    assert event.status is EXPECTED[event_type]
    assert event.address_bad is (event_type == "letter.returned_to_sender")
    assert event.event_id.startswith("evt_")
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None


async def test_returned_to_sender_marks_the_address_bad(
    fake_lob: FakeLob, receiver: Receiver, letter_id: str
) -> None:
    for event_type in ("letter.mailed", "letter.in_transit", "letter.returned_to_sender"):
        assert await fake_lob.send_tracking_event(letter_id, event_type, url=receiver.url) == 200
    assert [e.address_bad for e in receiver.events] == [False, False, True]
    assert receiver.events[-1].status is DeliveryStatus.UNDELIVERED


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("missing", {"signed": False}),
        ("forged", {"signature": "0" * 64}),
        ("signed with another secret", {"secret": "another-secret"}),
        ("stale", {"timestamp": str(int((time.time() - 3600) * 1000))}),
    ],
)
async def test_an_event_without_a_good_signature_is_refused(
    fake_lob: FakeLob, receiver: Receiver, letter_id: str, how: str, kwargs: dict[str, object]
) -> None:
    status = await fake_lob.send_tracking_event(
        letter_id,
        "letter.delivered",
        url=receiver.url,
        **kwargs,  # type: ignore[arg-type]
    )
    assert status == 401, how
    assert receiver.events == []
    assert len(receiver.refused) == 1


async def test_an_unknown_event_type_is_refused(
    fake_lob: FakeLob, receiver: Receiver, letter_id: str
) -> None:
    assert await fake_lob.send_tracking_event(letter_id, "letter.exploded", url=receiver.url) == 400
    assert "unknown tracking event type" in receiver.refused[0]


def test_a_signature_over_a_changed_body_fails() -> None:
    stamp = str(int(time.time() * 1000))
    body = b'{"id": "evt_1", "event_type": {"id": "letter.delivered"}, "body": {"id": "ltr_1"}}'
    signature = sign_tracking_event(body, "s3cret", stamp)
    assert (
        parse_tracking_event(body, signature, "s3cret", timestamp=stamp).provider_message_id
        == "ltr_1"
    )
    with pytest.raises(InvalidSignature, match="does not match"):
        parse_tracking_event(body.replace(b"ltr_1", b"ltr_2"), signature, "s3cret", timestamp=stamp)
    with pytest.raises(InvalidSignature, match="no webhook secret"):
        parse_tracking_event(body, signature, "", timestamp=stamp)
