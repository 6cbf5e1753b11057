"""The body of a letter (``<main>``) as ReportLab flowables, in the letter's house style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Table,
    TableStyle,
)

from channels.letters.errors import LetterMarkupError
from channels.letters.fonts import LetterFonts
from channels.letters.markup import Element, Node
from channels.letters.text import CJKParagraph, inline_children, inline_markup

__all__ = ["body_flowables"]

_RULE = colors.HexColor("#8a8a8a")
_SHADE = colors.HexColor("#ececec")
_INK = colors.HexColor("#111111")


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    center: ParagraphStyle
    right: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    item: ParagraphStyle
    cell: ParagraphStyle
    cell_num: ParagraphStyle
    head: ParagraphStyle
    head_num: ParagraphStyle


def _styles(fonts: LetterFonts, cjk: bool) -> _Styles:
    wrap = "CJK" if cjk else None
    leading = 14.0 if cjk else 13.0
    body = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=9.5, leading=leading, spaceAfter=4,
        textColor=_INK, wordWrap=wrap, bulletFontName=fonts.regular, alignment=TA_LEFT,
    )  # fmt: skip
    heading = {"fontName": fonts.bold, "keepWithNext": 1, "textColor": _INK}
    cell = ParagraphStyle("cell", body, fontSize=9, leading=leading - 1.5, spaceAfter=0)
    return _Styles(
        body=body,
        small=ParagraphStyle("small", body, fontSize=7.5, leading=10),
        center=ParagraphStyle("center", body, alignment=TA_CENTER),
        right=ParagraphStyle("right", body, alignment=TA_RIGHT),
        # The CJK font has one weight: Chinese headings stand out by size alone.
        h1=ParagraphStyle("h1", body, fontSize=14 if cjk else 13, leading=18, spaceAfter=6,
                          **heading),
        h2=ParagraphStyle("h2", body, fontSize=11 if cjk else 10.5, leading=14, spaceBefore=5,
                          spaceAfter=2, **heading),
        h3=ParagraphStyle("h3", body, spaceBefore=3, spaceAfter=1, **heading),
        item=ParagraphStyle("item", body, leftIndent=13, bulletIndent=2, spaceAfter=2),
        cell=cell,
        cell_num=ParagraphStyle("cell_num", cell, alignment=TA_RIGHT),
        head=ParagraphStyle("head", cell, fontName=fonts.bold),
        head_num=ParagraphStyle("head_num", cell, fontName=fonts.bold, alignment=TA_RIGHT),
    )  # fmt: skip


def body_flowables(
    nodes: Sequence[Node], fonts: LetterFonts, *, cjk: bool, width: float
) -> list[Flowable]:
    """The flowables for the children of ``<main>``, ``width`` points wide."""
    return _Builder(fonts, _styles(fonts, cjk), cjk).blocks(nodes, width)


class _Builder:
    def __init__(self, fonts: LetterFonts, styles: _Styles, cjk: bool) -> None:
        self.fonts = fonts
        self.styles = styles
        self.paragraph_class: type[Paragraph] = CJKParagraph if cjk else Paragraph

    def blocks(self, nodes: Sequence[Node], width: float) -> list[Flowable]:
        out: list[Flowable] = []
        for node in nodes:
            if isinstance(node, str):
                if node.strip():
                    raise LetterMarkupError(f"text outside a paragraph: {node.strip()[:40]!r}")
                continue
            out.extend(self.block(node, width))
        return out

    def block(self, element: Element, width: float) -> list[Flowable]:
        tag, classes = element.tag, element.classes
        if tag in ("h1", "h2", "h3"):
            return [self.paragraph(element, getattr(self.styles, tag))]
        if tag == "p":
            return [self.paragraph(element, self._p_style(classes))]
        if tag in ("ul", "ol"):
            return self.items(element)
        if tag == "table":
            return [self.table(element, width)]
        if tag == "hr":
            return [HRFlowable(width="100%", thickness=0.5, color=_RULE, spaceBefore=3,
                               spaceAfter=5)]  # fmt: skip
        if tag in ("div", "section"):
            return self.division(element, width)
        raise LetterMarkupError(f"<{tag}> cannot stand here", element.line)

    def division(self, element: Element, width: float) -> list[Flowable]:
        classes = element.classes
        if "page-break" in classes:
            return [PageBreak()]
        if "cut-line" in classes:
            return [_CutLine(self.fonts.regular)]
        if "box" in classes:
            inner = self.blocks(element.children, width - 18)
            box = Table([[inner]], colWidths=[width])
            box.setStyle(TableStyle([
                ("FONT", (0, 0), (-1, -1), self.fonts.regular, 9),  # as in table()
                ("BOX", (0, 0), (-1, -1), 0.8, _INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 9), ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]))  # fmt: skip
            return [box]
        inner = self.blocks(element.children, width)
        return [KeepTogether(inner)] if "keep" in classes else inner

    def paragraph(self, element: Element, style: ParagraphStyle, **extra: Any) -> Paragraph:
        bold = style.fontName == self.fonts.bold
        markup = inline_markup(inline_children(element), self.fonts, bold=bold)
        return self.paragraph_class(markup, style, **extra)

    def items(self, element: Element) -> list[Flowable]:
        out: list[Flowable] = []
        number = 0
        for child in element.children:
            if isinstance(child, str):
                if child.strip():
                    raise LetterMarkupError(f"text in <{element.tag}> outside <li>", element.line)
                continue
            if child.tag != "li":
                raise LetterMarkupError(f"<{child.tag}> in <{element.tag}>", child.line)
            number += 1
            bullet = f"{number}." if element.tag == "ol" else "•"
            out.append(self.paragraph(child, self.styles.item, bulletText=bullet))
        return out

    def table(self, element: Element, width: float) -> Table:
        rows, header_rows, total_rows = self._rows(element)
        if not rows:
            raise LetterMarkupError("a table without rows", element.line)
        columns = len(rows[0])
        data: list[list[Paragraph]] = []
        for tr in rows:
            if len(tr) != columns:
                raise LetterMarkupError("every row of a table needs the same cells", tr[0].line)
            data.append([self._cell(cell) for cell in tr])
        table = Table(data, colWidths=_widths(element, columns, width), repeatRows=header_rows)
        commands: list[tuple[Any, ...]] = [
            # Cells draw in the table's font even when they hold paragraphs: the default,
            # Helvetica, would be referenced but not embedded.
            ("FONT", (0, 0), (-1, -1), self.fonts.regular, 9),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]  # fmt: skip
        if header_rows:
            commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), _SHADE))
        for index in total_rows:
            commands.append(("LINEABOVE", (0, index), (-1, index), 1.0, _INK))
        table.setStyle(TableStyle(commands))
        return table

    def _rows(self, table: Element) -> tuple[list[list[Element]], int, list[int]]:
        rows: list[list[Element]] = []
        header_rows = 0
        totals: list[int] = []
        for section in _elements(table):
            trs = _elements(section) if section.tag in ("thead", "tbody") else [section]
            for tr in trs:
                if tr.tag != "tr":
                    raise LetterMarkupError(f"<{tr.tag}> in a table", tr.line)
                cells = _elements(tr)
                if any(c.tag not in ("td", "th") for c in cells) or not cells:
                    raise LetterMarkupError("a table row holds <th> and <td> cells only", tr.line)
                if "total" in tr.classes:
                    totals.append(len(rows))
                rows.append(cells)
                if section.tag == "thead":
                    header_rows += 1
        return rows, header_rows, totals

    def _cell(self, cell: Element) -> Paragraph:
        numeric = "num" in cell.classes
        if cell.tag == "th":
            style = self.styles.head_num if numeric else self.styles.head
        else:
            style = self.styles.cell_num if numeric else self.styles.cell
        return self.paragraph(cell, style)

    def _p_style(self, classes: frozenset[str]) -> ParagraphStyle:
        for name in ("small", "center", "right"):
            if name in classes:
                style: ParagraphStyle = getattr(self.styles, name)
                return style
        return self.styles.body


def _elements(parent: Element) -> list[Element]:
    out = []
    for child in parent.children:
        if isinstance(child, str):
            if child.strip():
                raise LetterMarkupError(f"text directly in <{parent.tag}>", parent.line)
        else:
            out.append(child)
    return out


def _widths(table: Element, columns: int, width: float) -> list[float]:
    given = table.attrs.get("data-widths")
    if not given:
        return [width / columns] * columns
    try:
        weights = [float(w) for w in given.split(",")]
    except ValueError:
        raise LetterMarkupError(
            f"data-widths={given!r} is not a list of numbers", table.line
        ) from None
    if len(weights) != columns or any(w <= 0 for w in weights):
        raise LetterMarkupError(f"data-widths={given!r} does not fit {columns} columns", table.line)
    total = sum(weights)
    return [width * w / total for w in weights]


class _CutLine(Flowable):  # type: ignore[misc]  # ReportLab has no type hints
    """A dashed line with scissors, above a tear-off reply slip."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self.font = font
        self.width = 0.0
        self.height = 14.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(self.font, 9)
        canvas.setFillColor(_RULE)
        canvas.drawString(0, 4, "\u2702")
        canvas.setStrokeColor(_RULE)
        canvas.setDash(3, 2)
        canvas.setLineWidth(0.6)
        canvas.line(13, 7, self.width, 7)
        canvas.restoreState()
