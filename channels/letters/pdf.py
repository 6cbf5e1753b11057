"""Rendered letter HTML to PDF: A4 or US Letter, Chinese fonts embedded, window-envelope ready.

    renderer = LetterRenderer()                      # once per worker: loads the fonts
    rendered = catalog.render("letter", "first_notice", "zh-CN", variables)
    letter = renderer.render(rendered.body, PageSize.A4)
    letter.pdf, letter.pages

Built on ReportLab: it lays out a two-page letter in 20–30 ms on one core, where
WeasyPrint took 75 ms or more (with HarfBuzz subsetting; over a second without), embeds
TrueType subsets itself, and places the window block to the tenth of a millimetre. The
price is that the HTML is a checked subset (see ``markup``), styled here, not by CSS.

Page 1 carries, above the body: the letterhead (``<header>``, top right), the window
(return line and recipient address), and the date/reference block (``<aside
class="info">``) — all checked by ``outside.check_outside`` first. Every page carries
"n / N" at the foot. The output is deterministic: the same HTML gives the same bytes.

``render`` is CPU-bound (20–30 ms for two pages) and ReportLab is not documented as
thread-safe: from async code, run it in one dedicated worker thread per process.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from channels.letters.errors import LetterLayoutError
from channels.letters.flow import body_flowables
from channels.letters.fonts import LetterFonts
from channels.letters.markup import LetterDocument, parse_letter
from channels.letters.outside import check_outside
from channels.letters.pages import LAYOUTS, PageLayout, PageSize
from channels.letters.text import is_cjk_lang

__all__ = ["LetterRenderer", "PageSize", "RenderedPdf"]

_GREY = colors.HexColor("#555555")
_MIN_ADDRESS_PT = 7.0


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    page_size: PageSize

    def __repr__(self) -> str:
        return f"RenderedPdf(pages={self.pages}, page_size={self.page_size}, bytes={len(self.pdf)})"


class LetterRenderer:
    """Turns rendered letter HTML into PDF. Build once per worker; reuse for every letter."""

    def __init__(self, fonts: LetterFonts | None = None) -> None:
        self.fonts = fonts or LetterFonts()

    def render(
        self, html: str, page_size: PageSize | str = PageSize.A4, *, address_block: bool = True
    ) -> RenderedPdf:
        """The PDF for ``html``.

        ``address_block=False`` leaves the window empty, for a print-and-mail provider that
        prints its own address block there. Raises a ``LetterRenderError``: markup outside
        the subset, an address that does not fit the window, a character no font has, or
        collection words on the outside.
        """
        return self.render_document(parse_letter(html), page_size, address_block=address_block)

    def render_document(
        self, letter: LetterDocument, page_size: PageSize | str, *, address_block: bool = True
    ) -> RenderedPdf:
        """The PDF for a parsed letter, e.g. one whose recipient was replaced (see ``render``)."""
        size = PageSize(page_size)
        layout = LAYOUTS[size]
        check_outside(letter)
        page_one = _PageOne(self.fonts, layout, letter, address_block)
        page_one.check()
        flowables = body_flowables(
            letter.body, self.fonts, cjk=is_cjk_lang(letter.lang), width=layout.body_width
        )
        buffer = io.BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=(layout.width, layout.height),
            title=letter.title,
            author=letter.letterhead[0] if letter.letterhead else "",
            creator="collections-dispatcher letters",
            lang=letter.lang,
            initialFontName=self.fonts.regular,  # else Helvetica, which is not embedded
            invariant=1,
            pageCompression=1,
            leftMargin=layout.margin_left,
            rightMargin=layout.margin_right,
            topMargin=layout.margin_top,
            bottomMargin=layout.margin_bottom,
        )
        document.addPageTemplates(_page_templates(layout, page_one))
        try:
            document.build(flowables, canvasmaker=_numbered_canvas(self.fonts, layout))
        except Exception as exc:  # ReportLab's LayoutError: e.g. a box taller than a page
            if type(exc).__name__ == "LayoutError":
                raise LetterLayoutError(str(exc)) from exc
            raise
        return RenderedPdf(buffer.getvalue(), document.page, size)


def _page_templates(layout: PageLayout, page_one: _PageOne) -> list[PageTemplate]:
    width = layout.body_width
    first_height = layout.height - layout.body_top - layout.margin_bottom
    later_height = layout.height - layout.margin_top - layout.margin_bottom
    no_padding = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    first = Frame(layout.margin_left, layout.margin_bottom, width, first_height, id="first",
                  **no_padding)  # fmt: skip
    later = Frame(layout.margin_left, layout.margin_bottom, width, later_height, id="later",
                  **no_padding)  # fmt: skip
    return [
        PageTemplate("first", [first], onPage=page_one.draw, autoNextPageTemplate="later"),
        PageTemplate("later", [later]),
    ]


class _PageOne:
    """Letterhead, window and info block of page 1 (the part that faces outwards)."""

    def __init__(
        self, fonts: LetterFonts, layout: PageLayout, letter: LetterDocument, address_block: bool
    ) -> None:
        self.fonts = fonts
        self.layout = layout
        self.letter = letter
        self.address_block = address_block
        self.sender_size = layout.sender_size
        self.recipient_size = layout.recipient_size

    def check(self) -> None:
        """Fit the window's text, or raise ``LetterLayoutError`` naming what does not fit."""
        layout, letter = self.layout, self.letter
        if not letter.recipient:
            raise LetterLayoutError("the recipient address is empty")
        if len(letter.recipient) > layout.max_recipient_lines:
            raise LetterLayoutError(
                f"the recipient address has {len(letter.recipient)} lines; the {layout.size} "
                f"window holds {layout.max_recipient_lines}"
            )
        width = layout.address.width
        self.sender_size = self._fit(letter.sender, layout.sender_size, 5.5, width)
        widest = max(letter.recipient, key=lambda line: self.fonts.width(line, 10))
        self.recipient_size = self._fit(widest, layout.recipient_size, _MIN_ADDRESS_PT, width)
        for line in (*letter.letterhead, *letter.info):  # every character must have a glyph
            self.fonts.runs(line)

    def _fit(self, text: str, size: float, smallest: float, width: float) -> float:
        while self.fonts.width(text, size) > width:
            size -= 0.25
            if size < smallest:
                raise LetterLayoutError(f"too long for the envelope window: {text!r}")
        return size

    def draw(self, canvas: Canvas, document: Any) -> None:
        layout, letter = self.layout, self.letter
        canvas.saveState()
        right = layout.width - layout.margin_right
        y = layout.letterhead_top
        for index, line in enumerate(letter.letterhead):
            size = 12.0 if index == 0 else 7.5
            y += size * 1.25
            self._text(canvas, right, y, line, size, bold=index == 0, align="right")
        if self.address_block:
            self._window(canvas)
        y = layout.info_top
        for line in letter.info:
            y += 11
            self._text(canvas, layout.info_x, y, line, 8.5)
        canvas.setStrokeColor(_GREY)
        canvas.setLineWidth(0.4)
        for mark in layout.fold_marks:
            canvas.line(3 * 2.8346, layout.height - mark, 8 * 2.8346, layout.height - mark)
        canvas.restoreState()

    def _window(self, canvas: Canvas) -> None:
        layout, address = self.layout, self.layout.address
        sender_baseline = layout.recipient_top - 5
        self._text(canvas, address.x, sender_baseline, self.letter.sender, self.sender_size,
                   color=_GREY)  # fmt: skip
        canvas.setStrokeColor(_GREY)
        canvas.setLineWidth(0.3)
        rule_y = layout.height - sender_baseline - 1.6
        rule_end = address.x + self.fonts.width(self.letter.sender, self.sender_size)
        canvas.line(address.x, rule_y, rule_end, rule_y)
        baseline = layout.recipient_top + self.recipient_size * 0.9
        for line in self.letter.recipient:
            self._text(canvas, address.x, baseline, line, self.recipient_size)
            baseline += layout.recipient_leading

    def _text(
        self,
        canvas: Canvas,
        x: float,
        baseline_from_top: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "left",
        color: Any = colors.black,
    ) -> None:
        runs = self.fonts.runs(text, bold=bold)
        if align == "right":
            x -= self.fonts.width(text, size, bold=bold)
        canvas.setFillColor(color)
        # One text object per line, so that the line copies and extracts as one.
        line = canvas.beginText(x, self.layout.height - baseline_from_top)
        for font, run in runs:
            line.setFont(font, size)
            line.textOut(run)
        canvas.drawText(line)


def _numbered_canvas(fonts: LetterFonts, layout: PageLayout) -> type[Canvas]:
    """A canvas class that writes "n / N" at the foot of every page once N is known."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(fonts.regular, 7.5)
                self.setFillColor(_GREY)
                footer_y = layout.height - layout.footer_baseline
                self.drawCentredString(layout.width / 2, footer_y, f"{number} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas
