"""Fixtures for letter tests: the catalog, one renderer (fonts load once), the fake Lob."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from channels.letters import (
    LetterRenderer,
    LobStyleLetters,
    OutgoingLetter,
    PageSize,
    RenderedPdf,
)
from channels.letters.fonts import FontsMissing
from templates import TemplateCatalog
from tests.channels.letters.samples import VARIABLES
from tests.conftest import missing_service
from tests.fakes.fake_lob import FakeLob


@pytest.fixture(scope="session")
def catalog() -> TemplateCatalog:
    return TemplateCatalog()


@pytest.fixture(scope="session")
def renderer() -> LetterRenderer:
    try:
        return LetterRenderer()
    except FontsMissing as exc:  # bash .ci/install-system-deps.sh installs them
        missing_service(f"the letter fonts ({exc})")
        raise


RenderLetter = Callable[..., RenderedPdf]


@pytest.fixture(scope="session")
def render_letter(catalog: TemplateCatalog, renderer: LetterRenderer) -> RenderLetter:
    """``render_letter(name, locale, size, **overrides)``: the sample letter as a PDF."""

    def render(name: str, locale: str, size: PageSize, **overrides: Any) -> RenderedPdf:
        variables = {**VARIABLES[locale], **overrides}
        html = catalog.render("letter", name, locale, variables).body
        return renderer.render(html, size)

    return render


LOB_API_KEY = "test_0123456789abcdef0123456789abcdef"
LOB_WEBHOOK_SECRET = "whsec_fake_0123456789"


SENDER_NAME = "Harbor Services"
SENDER_LINES = ("PO Box 4410", "Columbus, OH 43216")


def lob_letters(
    base_url: str, *, api_key: str = LOB_API_KEY, timeout_s: float = 5.0
) -> LobStyleLetters:
    return LobStyleLetters(
        api_key,
        base_url=base_url,
        timeout_s=timeout_s,
        sender_name=SENDER_NAME,
        sender_address_lines=SENDER_LINES,
    )


@pytest.fixture
async def fake_lob() -> AsyncIterator[FakeLob]:
    async with FakeLob(LOB_API_KEY, webhook_secret=LOB_WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
async def lob(fake_lob: FakeLob) -> AsyncIterator[LobStyleLetters]:
    letters = lob_letters(fake_lob.base_url)
    yield letters
    await letters.aclose()


@pytest.fixture(scope="session")
def sample_pdf(render_letter: RenderLetter) -> RenderedPdf:
    return render_letter("first_notice", "en-US", PageSize.LETTER)


def us_letter(
    pdf: RenderedPdf, message_id: str = "01JD0000000000000000000042", **fields: Any
) -> OutgoingLetter:
    values: dict[str, Any] = {
        "message_id": message_id,
        "recipient_name": "Maria Q. Sample",
        "address_lines": ("1234 Elm Street, Apt 5B", "Springfield, IL 62704"),
        "country": "US",
        "pdf": pdf.pdf,
        "pages": pdf.pages,
        "idempotency_key": f"letter:{message_id}",
    }
    values.update(fields)
    return OutgoingLetter(**values)
