"""Inline text: letter HTML to ReportLab paragraph markup, and line breaking for Chinese.

ReportLab's own CJK line breaking breaks anywhere, even inside an amount ("¥12,345.6" /
"7"). ``CJKParagraph`` breaks only where Chinese text allows it: at spaces, and next to
a Han character or full-width punctuation — never inside a run of Latin letters or digits,
never before a closing mark (，。）》…) nor after an opening one (（《“). A run too
long for a line is cut where it overflows, as a last resort.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import FragLine, ParaLines

from channels.letters.errors import LetterMarkupError
from channels.letters.fonts import LetterFonts
from channels.letters.markup import Element, Node

__all__ = ["CJKParagraph", "inline_markup", "is_cjk_lang"]

_CANNOT_START = frozenset("，。、；：？！）》」』】〕〉”’·…—%‰,.;:?!)]}、々〻ー")
_CANNOT_END = frozenset("（《「『【〔〈“‘([{¥$£€#")
_FUZZ = 1e-6
# A line break in the template source between two Chinese characters is not a space.
_CJK = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
_CJK_NEWLINE = re.compile(rf"(?<={_CJK})[ \t\r]*\n\s*(?={_CJK})")
_SPACES = re.compile(r"\s+")


def is_cjk_lang(lang: str) -> bool:
    return lang.lower().split("-")[0] in ("zh", "ja", "ko")


def inline_markup(nodes: Sequence[Node], fonts: LetterFonts, *, bold: bool = False) -> str:
    """The ReportLab markup for inline ``nodes`` (text, strong, b, u, span, small, a, br)."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            text = _SPACES.sub(" ", _CJK_NEWLINE.sub("", node))
            parts.append(fonts.markup(text, bold=bold))
        elif node.tag == "br":
            parts.append("<br/>")
        elif node.tag == "wbr":
            continue
        elif node.tag in ("strong", "b"):
            parts.append("<b>" + inline_markup(node.children, fonts, bold=True) + "</b>")
        elif node.tag == "u":
            parts.append("<u>" + inline_markup(node.children, fonts, bold=bold) + "</u>")
        elif node.tag == "small":
            inner = inline_markup(node.children, fonts, bold=bold)
            parts.append(f'<font size="{_SMALL_PT}">{inner}</font>')
        elif node.tag in ("span", "a"):  # a link prints as its text
            parts.append(inline_markup(node.children, fonts, bold=bold))
        else:
            raise LetterMarkupError(f"<{node.tag}> inside a line of text", node.line)
    return "".join(parts)


_SMALL_PT = 7.5


def inline_children(element: Element) -> list[Node]:
    """``element``'s children, refusing block elements where only text may stand."""
    for child in element.children:
        if isinstance(child, Element) and child.tag not in (
            "strong", "b", "u", "span", "small", "a", "br", "wbr"
        ):  # fmt: skip
            raise LetterMarkupError(f"<{child.tag}> inside <{element.tag}>", child.line)
    return element.children


class CJKParagraph(Paragraph):  # type: ignore[misc]  # ReportLab has no type hints
    """A Paragraph (style ``wordWrap="CJK"``) with Chinese line-breaking rules."""

    _broken: tuple[tuple[float, ...], Any] | None = None

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        if not self.frags:
            style = self.style
            return ParaLines(
                kind=0, fontSize=style.fontSize, fontName=style.fontName,
                textColor=style.textColor, lines=[], ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )  # fmt: skip
        # Frames ask a paragraph to wrap at the same width several times: break it once.
        key = tuple(maxWidths)
        if self._broken is None or self._broken[0] != key:
            self._broken = (key, _break_lines(self.frags, key))
        return self._broken[1]


def _break_lines(frags: Sequence[Any], max_widths: Sequence[float]) -> Any:
    chars: list[str] = []
    widths: list[float] = []
    owners: list[int] = []  # the fragment each character comes from
    for index, frag in enumerate(frags):
        if hasattr(frag, "lineBreak"):
            chars.append("\n")
            widths.append(0.0)
            owners.append(index)
            continue
        table = _widths(frag.fontName, frag.fontSize)
        for char in frag.text:
            width = table.get(char)
            if width is None:
                width = table[char] = stringWidth(char, frag.fontName, frag.fontSize)
            chars.append(char)
            widths.append(width)
            owners.append(index)
    lines: list[Any] = []
    start, count = 0, len(chars)
    while start < count:
        if lines:
            while start < count and chars[start] == " ":
                start += 1
            if start == count:
                break
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        end, forced = _line_end(chars, widths, start, max_width)
        last = end - 1 if forced else end
        while last > start and chars[last - 1] == " ":
            last -= 1
        lines.append(_frag_line(frags, chars, widths, owners, start, last, max_width, forced))
        start = end
    return ParaLines(kind=1, lines=lines)


def _line_end(
    chars: Sequence[str], widths: Sequence[float], start: int, max_width: float
) -> tuple[int, bool]:
    """Where the line starting at ``start`` ends (exclusive), and whether a <br/> ended it."""
    width = 0.0
    last_break = None
    for i in range(start, len(chars)):
        char = chars[i]
        if char == "\n":
            return i + 1, True
        if i > start and _may_break_before(chars[i - 1], char):
            last_break = i
        width += widths[i]
        if width > max_width + _FUZZ and i > start:
            if char == " ":  # a space that overflows ends the line; the next one skips it
                return i, False
            return (last_break if last_break is not None else i), False
    return len(chars), False


def _frag_line(
    frags: Sequence[Any],
    chars: Sequence[str],
    widths: Sequence[float],
    owners: Sequence[int],
    start: int,
    end: int,
    max_width: float,
    forced: bool,
) -> Any:
    """One line, as ReportLab draws it: the fragments' text cut to this line."""
    words = []
    font_size = ascent = descent = 0.0
    i = start
    while i < end:
        owner = owners[i]
        j = i
        while j < end and owners[j] == owner:
            j += 1
        frag = frags[owner]
        words.append(frag.clone(text="".join(chars[i:j])))
        up, down = getAscentDescent(frag.fontName, frag.fontSize)
        font_size, ascent, descent = (
            max(font_size, frag.fontSize),
            max(ascent, up),
            min(descent, down),
        )
        i = j
    if not words:  # an empty line (two <br/> in a row): as tall as the paragraph's font
        frag = frags[owners[start]] if start < len(owners) else frags[0]
        font_size = frag.fontSize
        ascent, descent = getAscentDescent(frag.fontName, frag.fontSize)
    used = sum(widths[start:end])
    return FragLine(
        kind=1, extraSpace=max_width - used, wordCount=1, words=words, fontSize=font_size,
        ascent=ascent, descent=descent, maxWidth=max_width, currentWidth=used, lineBreak=forced,
    )  # fmt: skip


@lru_cache(maxsize=64)
def _widths(font: str, size: float) -> dict[str, float]:
    """A per-font, per-size cache of character widths (letters reuse few characters)."""
    return {}


def _may_break_before(before: str, char: str) -> bool:
    if before == " ":
        return True
    if char == " ":
        return False
    if char in _CANNOT_START or before in _CANNOT_END:
        return False
    return _wide(before) or _wide(char)


@lru_cache(maxsize=4096)
def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")
