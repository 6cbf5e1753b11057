"""Letters as PDF: read back out of the file (text, fonts, pages) and looked at as an image.

Text comes back out through two independent readers: pypdf (the ToUnicode maps — what
copy and paste and screen readers see) and PDFium (with positions, for the window).
Pages are rasterised with PDFium, as a viewer would show them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from channels.letters import LetterRenderer, PageSize, RenderedPdf
from channels.letters.outside import collection_word
from channels.letters.pages import LAYOUTS, Box, PageLayout
from tests.channels.letters.conftest import RenderLetter
from tests.channels.letters.samples import EN_US, EXPECTED_PAGES, LOCALES, TEMPLATES, ZH_CN

SIZES = (PageSize.A4, PageSize.LETTER)
DPI = 100


def squeeze(text: str) -> str:
    """Text without whitespace: a wrapped line must not hide a match."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def text_in(pdf: bytes, box: Box, layout: PageLayout, page: int = 0) -> str:
    """The text PDFium finds inside ``box`` (points from the top-left) on ``page``."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page].get_textpage()
        bottom = layout.height - box.bottom
        return str(
            textpage.get_text_bounded(box.x, bottom, box.x + box.width, layout.height - box.top)
        )
    finally:
        document.close()


def page_image(pdf: bytes, page: int = 0) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        image: Image.Image = document[page].render(scale=DPI / 72).to_pil().convert("L")
        return image
    finally:
        document.close()


def dark_pixels(image: Image.Image, box: Box) -> int:
    scale = DPI / 72
    crop = image.crop(
        (int(box.x * scale), int(box.top * scale),
         int((box.x + box.width) * scale), int(box.bottom * scale))
    )  # fmt: skip
    histogram = crop.histogram()
    return sum(histogram[:128])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_letter_renders_with_its_page_count(
    render_letter: RenderLetter, name: str, locale: str, size: PageSize
) -> None:
    letter = render_letter(name, locale, size)
    assert letter.pdf.startswith(b"%PDF-")
    assert letter.pages == EXPECTED_PAGES[name]
    reader = PdfReader(io.BytesIO(letter.pdf))
    assert len(reader.pages) == letter.pages
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    layout = LAYOUTS[size]
    assert (round(width, 1), round(height, 1)) == (round(layout.width, 1), round(layout.height, 1))


@pytest.mark.parametrize("size", SIZES)
def test_the_chinese_first_notice_reads_back_with_its_amounts(
    render_letter: RenderLetter, size: PageSize
) -> None:
    letter = render_letter("first_notice", "zh-CN", size)
    text = squeeze(pdf_text(letter.pdf))
    for expected in (
        "账户欠款书面告知函", "尊敬的王伟：", "华东商业银行信用卡中心", "欠款原因", "法律依据",
        "您的权利", "您的义务", "如何核实欠款", "如何还款", "如何提出异议", "联系方式",
        "¥11,800.00", "¥436.17", "¥109.50", "¥12,345.67", "2026年11月25日",
        "上海市徐汇区衡山路88弄6号302室", "400-820-1234", "3100123456780000001",
    ):  # fmt: skip
        assert expected in text, expected
    assert "第六百七十五条" in text


@pytest.mark.parametrize("size", SIZES)
def test_the_validation_notice_reads_back_with_every_item(
    render_letter: RenderLetter, size: PageSize
) -> None:
    letter = render_letter("first_notice", "en-US", size)
    text = squeeze(pdf_text(letter.pdf))
    for expected in (
        "HarborRecoveryServicesLLCisadebtcollector.", "LakesideBank,N.A.", "XXXX-XXXX-XXXX-4821",
        "AsofJuly31,2026,youowed:", "$2,234.50", "+$45.12", "+$25.00", "–$100.00", "–$0.00",
        "Totalamountofthedebtnow:", "$2,204.62", "January5,2027", "www.cfpb.gov/debt-collection",
        "nameandaddressoftheoriginalcreditor", "Howdoyouwanttorespond?", "Thisisnotmydebt.",
        "POBox4410,Columbus,OH43216", "harborservices.example/dispute",
    ):  # fmt: skip
        assert expected in text, expected


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_font_is_embedded(render_letter: RenderLetter, locale: str, size: PageSize) -> None:
    letter = render_letter("first_notice", locale, size)
    embedded = set()
    for page in PdfReader(io.BytesIO(letter.pdf)).pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, f"{font['/BaseFont']} is not embedded"
            assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} has no TrueType"
            embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert "DejaVuSans" in embedded
    if locale == "zh-CN":
        assert any("WenQuanYi" in name or "Droid" in name for name in embedded), embedded


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_window_shows_the_address_and_nothing_else(
    render_letter: RenderLetter, locale: str, size: PageSize
) -> None:
    variables = {"en-US": EN_US, "zh-CN": ZH_CN}[locale]
    layout = LAYOUTS[size]
    letter = render_letter("first_notice", locale, size)
    in_window = text_in(letter.pdf, layout.window, layout)
    lines = [line.strip() for line in in_window.splitlines() if line.strip()]
    assert lines[0].startswith(variables["return_company_name"])  # the return line
    assert variables["consumer_name"] in in_window
    for address_line in variables["consumer_address_lines"]:
        assert address_line in in_window
    assert len(lines) == 1 + 1 + len(variables["consumer_address_lines"])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_nothing_above_the_window_bottom_suggests_debt_collection(
    render_letter: RenderLetter, name: str, locale: str, size: PageSize
) -> None:
    layout = LAYOUTS[size]
    letter = render_letter(name, locale, size)
    outside = Box(0, 0, layout.width, layout.outside_bottom)
    text = text_in(letter.pdf, outside, layout)
    assert text.strip(), "the letterhead and the window are there"
    assert collection_word(text) is None, text
    # ... while the letter itself, below, plainly says what it is about.
    body = Box(0, layout.outside_bottom, layout.width, layout.height - layout.outside_bottom)
    assert collection_word(text_in(letter.pdf, body, layout)) is not None


@pytest.mark.parametrize("size", SIZES)
def test_the_address_block_is_inked_and_can_be_left_blank(
    catalog: Any, renderer: LetterRenderer, size: PageSize, tmp_path: Path
) -> None:
    layout = LAYOUTS[size]
    html = catalog.render("letter", "first_notice", "zh-CN", ZH_CN).body
    with_address = page_image(renderer.render(html, size).pdf)
    with_address.save(tmp_path / f"page1-{size}.png")  # to look at: pytest --basetemp=...
    without = page_image(renderer.render(html, size, address_block=False).pdf)
    assert dark_pixels(with_address, layout.address) > 300
    assert dark_pixels(without, layout.window) == 0
    # The letter's text starts below the window: the strip between them is empty.
    gap = Box(layout.margin_left, layout.window.bottom + 2, layout.body_width,
              layout.body_top - layout.window.bottom - 4)  # fmt: skip
    assert dark_pixels(with_address, gap) == 0


def test_the_same_html_gives_the_same_bytes(render_letter: RenderLetter) -> None:
    first = render_letter("reminder", "zh-CN", PageSize.A4)
    again = render_letter("reminder", "zh-CN", PageSize.A4)
    assert first.pdf == again.pdf


def test_a_long_address_shrinks_to_fit_the_window(render_letter: RenderLetter) -> None:
    long_line = "Suite 1400, Northeast Corporate Center Building Number Seven, Rear Entrance"
    letter: RenderedPdf = render_letter(
        "reminder", "en-US", PageSize.LETTER,
        consumer_address_lines=[long_line, "Springfield, IL 62704"],
    )  # fmt: skip
    layout = LAYOUTS[PageSize.LETTER]
    assert squeeze(long_line) in squeeze(text_in(letter.pdf, layout.window, layout))
