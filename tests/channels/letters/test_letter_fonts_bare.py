"""Letters on a bare machine: no system fonts, only what the Python packages ship.

The font search is pointed at an empty directory (``LETTER_FONT_DIRS``), as on a machine
without Debian's fonts-dejavu-core and fonts-wqy-microhei; letters must still render,
embed their fonts and read back as text.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader

from channels.base import OutgoingMessage, PermanentChannelError, PostalAddress
from channels.letters import LetterRenderer, PageSize, PrintRoomBatch
from channels.letters.channel import LetterMailChannel
from channels.letters.fonts import FontFiles, LetterFonts
from dispatcher.settings import Settings
from templates import TemplateCatalog
from tests.channels.letters.samples import VARIABLES

# sha256 of wqy-microhei.ttc as Debian's fonts-wqy-microhei 0.2.0-beta installs it.
WQY_MICROHEI_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"


@pytest.fixture(scope="module")
def bare_fonts(tmp_path_factory: pytest.TempPathFactory) -> LetterFonts:
    empty = tmp_path_factory.mktemp("no-fonts-here")
    return LetterFonts(FontFiles.discover(dirs=[empty]))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


def test_without_system_fonts_the_packaged_ones_are_found(bare_fonts: LetterFonts) -> None:
    files = bare_fonts.files
    assert (files.sans.name, files.sans_bold.name) == ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    assert files.sans.parent.name == "shipped_fonts"
    assert files.cjk.name == "wqy-microhei.ttc"
    assert len(files.fallbacks) == 3


def test_the_packaged_cjk_font_is_debians_wenquanyi_micro_hei(bare_fonts: LetterFonts) -> None:
    digest = hashlib.sha256(bare_fonts.files.cjk.read_bytes()).hexdigest()
    assert digest == WQY_MICROHEI_SHA256


@pytest.mark.parametrize(
    ("locale", "size", "expected"),
    [
        ("zh-CN", PageSize.A4, ["王伟", "安信资产管理有限公司", "12,345.67"]),
        ("en-US", PageSize.LETTER, ["Maria Q. Sample", "Harbor Recovery Services LLC"]),
    ],
)
def test_a_letter_renders_with_only_packaged_fonts(
    bare_fonts: LetterFonts, locale: str, size: PageSize, expected: list[str]
) -> None:
    html = TemplateCatalog().render("letter", "first_notice", locale, VARIABLES[locale]).body

    pdf = LetterRenderer(bare_fonts).render(html, size)

    text = pdf_text(pdf.pdf)
    for phrase in expected:
        assert phrase in text
    fonts = embedded_fonts(pdf.pdf)
    assert "DejaVuSans" in fonts
    if locale == "zh-CN":
        assert "WenQuanYiMicroHei-0" in fonts


def test_font_dirs_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"LETTER_FONT_DIRS": f"{tmp_path}/a:{tmp_path}/b"})
    assert settings.letter_font_dirs == (tmp_path / "a", tmp_path / "b")
    assert Settings.from_env({}).letter_font_dirs == (Path("/usr/share/fonts"),)


async def test_with_no_font_at_all_the_channel_starts_and_refuses_letters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given: no system fonts, and a CJK font package that lost its font file
    stub = tmp_path / "site" / "paperang_p2_fonts_cjk"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    empty = tmp_path / "fonts"
    empty.mkdir()

    # When: the channel is built, as a worker builds it at start
    with caplog.at_level(logging.INFO, logger="channels.letters"):
        channel = LetterMailChannel(PrintRoomBatch(tmp_path / "out"), font_dirs=[empty])

    # Then: one clear line, no exception; each letter fails, naming what is missing
    lines = [r for r in caplog.records if r.name.startswith("channels.letters")]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "fonts-wqy-microhei" in lines[0].getMessage()
    html = TemplateCatalog().render("letter", "first_notice", "en-US", VARIABLES["en-US"]).body
    address = PostalAddress("Ann Other", ("9 Pine Road", "Dayton, OH"), "US", "45402")
    with pytest.raises(PermanentChannelError) as refused:
        await channel.send(OutgoingMessage("01JD0000000000000000000098", "", html, address=address))
    assert refused.value.code == "letter_fonts_missing"
    await channel.aclose()
