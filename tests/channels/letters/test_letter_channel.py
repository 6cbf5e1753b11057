"""The pipeline's letter channel: paper by country, the window from the address, rendering off
the event loop, and the adapters it wraps (fake Lob, print room) as ``Deps`` builds them."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from channels.base import OutgoingMessage, PermanentChannelError, PostalAddress
from channels.letters import LetterRenderer, PageSize, PrintRoomBatch, read_manifest
from channels.letters.channel import LetterMailChannel, page_size_for, postal_lines
from channels.letters.lob_events import parse_tracking_event, sign_tracking_event
from channels.outbox import OutboxChannel
from dispatcher.errors import InvalidRequest
from dispatcher.sending.providers import build_channels
from dispatcher.settings import Secret, Settings
from templates import TemplateCatalog
from tests.channels.letters.conftest import LOB_API_KEY, LOB_WEBHOOK_SECRET
from tests.channels.letters.samples import VARIABLES
from tests.fakes.fake_lob import FakeLob

US = PostalAddress("Ann Other", ("9 Pine Road", "Dayton, OH"), "US", "45402")
CN = PostalAddress("李娜", ("北京市朝阳区建国路1号",), "CN", "100022")
MESSAGE_ID = "01JD0000000000000000000099"


def outgoing(
    catalog: TemplateCatalog, locale: str, address: PostalAddress | None
) -> OutgoingMessage:
    html = catalog.render("letter", "first_notice", locale, VARIABLES[locale]).body
    return OutgoingMessage(MESSAGE_ID, "", html, locale=locale, address=address)


def entries(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def text_and_size(pdf: bytes) -> tuple[str, tuple[int, int]]:
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    return "\n".join(p.extract_text() for p in reader.pages), (round(box.width), round(box.height))


@pytest.mark.parametrize(
    ("country", "size"),
    [("US", PageSize.LETTER), ("CA", PageSize.LETTER), ("MX", PageSize.LETTER),
     ("CN", PageSize.A4), ("DE", PageSize.A4), ("GB", PageSize.A4)],
)  # fmt: skip
def test_the_paper_follows_the_country(country: str, size: PageSize) -> None:
    assert page_size_for(country) is size


def test_the_postcode_goes_where_the_country_puts_it() -> None:
    assert postal_lines(US) == ("9 Pine Road", "Dayton, OH 45402")
    assert postal_lines(CN) == ("100022", "北京市朝阳区建国路1号")
    de = PostalAddress("Max", ("Hauptstr. 1", "Berlin"), "DE", "10115")
    assert postal_lines(de) == ("Hauptstr. 1", "Berlin", "10115")
    written = PostalAddress("Max", ("Hauptstr. 1", "10115 Berlin"), "DE", "10115")
    assert postal_lines(written) == written.lines  # already there: not twice


async def test_the_print_room_gets_the_pdf_with_the_messages_address_in_the_window(
    tmp_path: Path, catalog: TemplateCatalog, renderer: LetterRenderer
) -> None:
    channel = LetterMailChannel(PrintRoomBatch(tmp_path), renderer=renderer)

    receipt = await channel.send(outgoing(catalog, "zh-CN", CN))

    assert receipt.provider == channel.provider == "print_room"
    [folder] = entries(tmp_path)
    [row] = read_manifest(folder)
    assert (row["message_id"], row["recipient"], row["address_1"]) == (MESSAGE_ID, "李娜", "100022")
    text, size = text_and_size((folder / f"{MESSAGE_ID}.pdf").read_bytes())
    assert size == (595, 842)  # A4
    assert "李娜" in text and "北京市朝阳区建国路1号" in text
    assert VARIABLES["zh-CN"]["consumer_name"] not in text.split("\n")[:12]  # not the template's
    assert "12,345.67" in text


async def test_the_provider_gets_a_letter_sized_pdf_keyed_by_the_message_id(
    catalog: TemplateCatalog, renderer: LetterRenderer
) -> None:
    async with FakeLob(LOB_API_KEY, webhook_secret=LOB_WEBHOOK_SECRET) as fake:
        settings = Settings.from_env(
            {}, letter_provider="lob", lob_api_key=Secret(LOB_API_KEY),
            lob_api_base_url=fake.base_url + "/v1",
        )  # fmt: skip
        channel = build_channels(settings)["letter"]
        try:
            receipt = await channel.send(outgoing(catalog, "en-US", US))
            again = await channel.send(outgoing(catalog, "en-US", US))  # a retried job
        finally:
            await channel.aclose()

    assert receipt.provider == "lob"
    assert again.provider_message_id == receipt.provider_message_id
    [letter] = fake.letters.values()
    assert letter.idempotency_key == MESSAGE_ID
    assert letter.to["address_zip"] == "45402"
    assert letter.from_["name"] == VARIABLES["en-US"]["return_company_name"]  # the letterhead
    text, size = text_and_size(letter.file)
    assert size == (612, 792)  # US Letter
    assert "Ann Other" not in text  # the provider prints the address block itself
    assert "$2,204.62" in text


async def test_rendering_does_not_block_the_event_loop(
    tmp_path: Path, catalog: TemplateCatalog, renderer: LetterRenderer
) -> None:
    channel = LetterMailChannel(PrintRoomBatch(tmp_path), renderer=renderer)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    await asyncio.gather(*(channel.send(outgoing(catalog, "en-US", US)) for _ in range(3)))
    ticker.cancel()
    assert ticks >= 5  # three renders of ~25 ms each; the loop kept running meanwhile


async def test_a_letter_that_cannot_be_rendered_fails_permanently(
    tmp_path: Path, catalog: TemplateCatalog, renderer: LetterRenderer
) -> None:
    channel = LetterMailChannel(PrintRoomBatch(tmp_path), renderer=renderer)
    message = outgoing(catalog, "en-US", US)

    with pytest.raises(PermanentChannelError) as caught:
        await channel.send(OutgoingMessage(MESSAGE_ID, "", message.body, address=None))
    assert caught.value.code == "no_address"

    too_long = PostalAddress("Ann", tuple(f"line {n}" for n in range(6)), "US")
    with pytest.raises(PermanentChannelError) as caught:
        await channel.send(OutgoingMessage(MESSAGE_ID, "", message.body, address=too_long))
    assert caught.value.code == "letter_render"
    assert "window holds 5" in caught.value.text
    assert not entries(tmp_path)  # nothing reached the print room


def test_settings_choose_the_provider(tmp_path: Path) -> None:
    assert isinstance(build_channels(Settings.from_env({}, data_dir=tmp_path))["letter"],
                      OutboxChannel)  # fmt: skip
    room = build_channels(Settings.from_env({}, data_dir=tmp_path, letter_provider="print_room"))
    assert repr(room["letter"]) == (
        f"LetterMailChannel(PrintRoomBatch(root={str(tmp_path / 'print-room')!r}))"
    )
    with pytest.raises(InvalidRequest) as caught:
        build_channels(Settings.from_env({}, data_dir=tmp_path, letter_provider="lob"))
    assert caught.value.problems[0].field == "LOB_API_KEY"
    with pytest.raises(InvalidRequest) as caught:
        build_channels(Settings.from_env({}, data_dir=tmp_path, letter_provider="pigeon"))
    assert caught.value.problems[0].field == "LETTER_PROVIDER"


def test_a_tracking_event_names_the_message_it_was_sent_for() -> None:
    body = (
        b'{"id": "evt_1", "event_type": {"id": "letter.delivered"}, '
        b'"body": {"id": "ltr_1", "metadata": {"message_id": "' + MESSAGE_ID.encode() + b'"}}}'
    )
    stamp = "1800000000000"
    signature = sign_tracking_event(body, "s3cret", stamp)
    event = parse_tracking_event(body, signature, "s3cret", timestamp=stamp, now=lambda: 1.8e9)
    assert (event.message_id, event.provider_message_id) == (MESSAGE_ID, "ltr_1")
