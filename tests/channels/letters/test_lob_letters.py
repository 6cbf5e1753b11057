"""The print-and-mail adapter against the fake Lob: what it sends, and how failures map."""

from __future__ import annotations

import base64
import socket

import pytest

from channels.base import DeliveryStatus, PermanentChannelError, TransientChannelError
from channels.letters import LobStyleLetters, RenderedPdf
from channels.letters.lob import lob_address
from tests.channels.letters.conftest import LOB_API_KEY, SENDER_LINES, lob_letters, us_letter
from tests.fakes.fake_lob import FakeLob


async def test_a_letter_is_created_with_its_pdf_address_and_key(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf
) -> None:
    letter = us_letter(sample_pdf)

    receipt = await lob.send(letter)

    assert receipt.provider == "lob"
    assert receipt.status is DeliveryStatus.ACCEPTED
    created = fake_lob.letters[receipt.provider_message_id]
    assert created.file == sample_pdf.pdf
    assert receipt.detail["expected_delivery_date"] == created.expected_delivery_date.isoformat()
    assert created.to == {
        "name": "Maria Q. Sample", "address_line1": "1234 Elm Street, Apt 5B",
        "address_city": "Springfield", "address_state": "IL", "address_zip": "62704",
        "address_country": "US",
    }  # fmt: skip
    assert created.from_["name"] == "Harbor Services"
    [request] = fake_lob.requests
    assert request.headers["Idempotency-Key"] == letter.idempotency_key
    expected_auth = base64.b64encode(f"{LOB_API_KEY}:".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected_auth}"
    assert request.fields["use_type"] == "operational"
    assert request.fields["metadata[message_id]"] == letter.message_id


async def test_the_same_idempotency_key_never_makes_a_second_letter(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf
) -> None:
    letter = us_letter(sample_pdf)

    first = await lob.send(letter)
    again = await lob.send(letter)

    assert again.provider_message_id == first.provider_message_id
    assert len(fake_lob.letters) == 1
    assert [r.replayed for r in fake_lob.requests] == [False, True]


async def test_rate_limited_then_accepted_on_the_callers_retry(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf
) -> None:
    letter = us_letter(sample_pdf)
    fake_lob.respond_next(429)

    with pytest.raises(TransientChannelError) as caught:
        await lob.send(letter)
    assert (caught.value.code, caught.value.http_status) == ("rate_limit_exceeded", 429)
    assert fake_lob.letters == {}

    receipt = await lob.send(letter)  # the job queue retries, with the same key
    assert list(fake_lob.letters) == [receipt.provider_message_id]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_provider_errors_are_transient(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf, status: int
) -> None:
    fake_lob.respond_next(status)
    with pytest.raises(TransientChannelError) as caught:
        await lob.send(us_letter(sample_pdf))
    assert caught.value.http_status == status


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (422, "invalid"),
        (422, "address_length_exceeds_limit"),
        (400, "bad_request"),
        (403, "forbidden"),
    ],
)
async def test_other_4xx_are_permanent_with_the_providers_code(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf, status: int, code: str
) -> None:
    fake_lob.respond_next(status, code=code, message="refused")
    with pytest.raises(PermanentChannelError) as caught:
        await lob.send(us_letter(sample_pdf))
    assert (caught.value.code, caught.value.http_status, caught.value.text) == (
        code,
        status,
        "refused",
    )


async def test_a_wrong_api_key_is_permanent(fake_lob: FakeLob, sample_pdf: RenderedPdf) -> None:
    letters = lob_letters(fake_lob.base_url, api_key="test_wrong")
    try:
        with pytest.raises(PermanentChannelError) as caught:
            await letters.send(us_letter(sample_pdf))
    finally:
        await letters.aclose()
    assert (caught.value.code, caught.value.http_status) == ("unauthorized", 401)


async def test_a_slow_provider_times_out_as_transient(
    fake_lob: FakeLob, sample_pdf: RenderedPdf
) -> None:
    letters = lob_letters(fake_lob.base_url, timeout_s=0.2)
    fake_lob.respond_next(200, delay_s=1.0)
    try:
        with pytest.raises(TransientChannelError) as caught:
            await letters.send(us_letter(sample_pdf))
    finally:
        await letters.aclose()
    assert caught.value.code == "network"


async def test_nothing_listening_is_transient(sample_pdf: RenderedPdf) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    letters = lob_letters(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(TransientChannelError, match="network"):
            await letters.send(us_letter(sample_pdf))
    finally:
        await letters.aclose()


async def test_an_address_it_cannot_map_is_refused_before_any_request(
    fake_lob: FakeLob, lob: LobStyleLetters, sample_pdf: RenderedPdf
) -> None:
    letter = us_letter(sample_pdf, address_lines=("1234 Elm Street", "Springfield Illinois"))
    with pytest.raises(PermanentChannelError) as caught:
        await lob.send(letter)
    assert caught.value.code == "address_invalid"
    assert fake_lob.requests == []


def test_a_return_address_suggesting_collection_is_refused() -> None:
    with pytest.raises(ValueError, match="'Collections'"):
        LobStyleLetters(
            LOB_API_KEY,
            sender_name="Harbor Collections",
            sender_address_lines=SENDER_LINES,
        )


@pytest.mark.parametrize(
    ("lines", "country", "expected"),
    [
        (["1 Main St", "Apt 2", "Springfield, IL 62704-1234"], "US",
         {"address_line1": "1 Main St", "address_line2": "Apt 2", "address_city": "Springfield",
          "address_state": "IL", "address_zip": "62704-1234"}),
        (["1 Main St", "New York NY 10001"], "US",
         {"address_line1": "1 Main St", "address_city": "New York", "address_state": "NY",
          "address_zip": "10001"}),
        (["衡山路88弄6号302室", "徐汇区", "200031 上海市"], "CN",
         {"address_line1": "衡山路88弄6号302室", "address_line2": "徐汇区",
          "address_city": "200031 上海市"}),
    ],
)  # fmt: skip
def test_postal_lines_map_to_the_providers_fields(
    lines: list[str], country: str, expected: dict[str, str]
) -> None:
    fields = lob_address("Ann", lines, country)
    assert fields == {"name": "Ann", "address_country": country, **expected}


def test_the_api_key_never_prints(lob: LobStyleLetters) -> None:
    assert LOB_API_KEY not in repr(lob)
