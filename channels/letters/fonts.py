"""The fonts letters are set in: found on the system, registered once, embedded in each PDF.

Latin text is set in DejaVu Sans (regular and bold; Debian ``fonts-dejavu-core``);
every character DejaVu lacks — Chinese, full-width punctuation — falls back, character
by character, to a CJK font (Debian ``fonts-wqy-microhei``, else ``fonts-wqy-zenhei`` or
``fonts-droid-fallback``). Both are TrueType, which ReportLab embeds as subsets: every
PDF carries the glyphs it uses, so any viewer and any printer shows them.

The CJK font has one weight: Chinese inside ``<strong>`` is set regular (Latin and
digits in it are bold). A character no font has is refused (``LetterLayoutError``)
rather than printed as an empty box — a debtor's name must never lose a character.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from channels.letters.errors import LetterLayoutError

__all__ = ["FontFiles", "FontsMissing", "LetterFonts"]

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_SANS = (_DEJAVU / "DejaVuSans.ttf",)
_SANS_BOLD = (_DEJAVU / "DejaVuSans-Bold.ttf",)
_CJK = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)


class FontsMissing(RuntimeError):
    """A font the letters need is not installed."""


@dataclass(frozen=True)
class FontFiles:
    sans: Path
    sans_bold: Path
    cjk: Path

    @classmethod
    def discover(
        cls, *, sans: Path | None = None, sans_bold: Path | None = None, cjk: Path | None = None
    ) -> FontFiles:
        """The given files, else the first installed of the Debian defaults."""
        return cls(
            sans=_first(sans, _SANS, "fonts-dejavu-core"),
            sans_bold=_first(sans_bold, _SANS_BOLD, "fonts-dejavu-core"),
            cjk=_first(cjk, _CJK, "fonts-wqy-microhei"),
        )


def _first(given: Path | None, candidates: Sequence[Path], package: str) -> Path:
    if given is not None:
        if not Path(given).is_file():
            raise FontsMissing(f"font file {given} does not exist")
        return Path(given)
    for path in candidates:
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise FontsMissing(f"no font found (tried {tried}); install the Debian package {package}")


class LetterFonts:
    """The registered fonts, and which of them draws each character."""

    def __init__(self, files: FontFiles | None = None) -> None:
        self.files = files or FontFiles.discover()
        self.regular = _register(self.files.sans)
        self.bold = _register(self.files.sans_bold)
        self.cjk = _register(self.files.cjk)
        # <b> in paragraph markup switches within a family: DejaVu to DejaVu Bold, and the
        # one-weight CJK font to itself.
        for name, bold in ((self.regular, self.bold), (self.cjk, self.cjk)):
            addMapping(name, 0, 0, name)
            addMapping(name, 1, 0, bold)
            addMapping(name, 0, 1, name)
            addMapping(name, 1, 1, bold)
        self._covers = {
            name: frozenset(_face(name).charToGlyph) for name in (self.regular, self.bold, self.cjk)
        }

    def font_for(self, char: str, *, bold: bool = False) -> str:
        """The font that draws ``char``; ``LetterLayoutError`` if none has it."""
        code = ord(char)
        latin = self.bold if bold else self.regular
        if code in self._covers[latin]:
            return latin
        if code in self._covers[self.cjk]:
            return self.cjk
        name = unicodedata.name(char, "unnamed")
        raise LetterLayoutError(f"no installed font has U+{code:04X} {name} ({char!r})")

    def runs(self, text: str, *, bold: bool = False) -> list[tuple[str, str]]:
        """``text`` cut into (font, text) runs, for drawing on a canvas."""
        runs: list[tuple[str, str]] = []
        for char in _printable(text):
            font = self.font_for(char, bold=bold)
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + char)
            else:
                runs.append((font, char))
        return runs

    def markup(self, text: str, *, bold: bool = False) -> str:
        """``text`` as ReportLab paragraph markup: escaped, CJK runs wrapped in ``<font>``."""
        if text.isascii():
            return escape(text)  # DejaVu has every printable ASCII character
        parts = []
        for font, run in self.runs(text, bold=bold):
            if font == self.cjk:
                parts.append(f'<font name="{font}">{escape(run)}</font>')
            else:
                parts.append(escape(run))
        return "".join(parts)

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        runs = self.runs(text, bold=bold)
        return float(sum(pdfmetrics.stringWidth(run, font, size) for font, run in runs))


def _printable(text: str) -> str:
    # Format characters (zero-width space, joiners, bidi marks) draw nothing: drop them.
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _register(path: Path) -> str:
    """Register ``path`` once per process under a name derived from it; return the name."""
    name = "L-" + path.stem + "-" + hashlib.sha256(str(path).encode()).hexdigest()[:8]
    if name not in pdfmetrics.getRegisteredFontNames():
        # The first face of a collection (.ttc): WenQuanYi's regular one.
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def _face(name: str) -> Any:
    font = pdfmetrics.getFont(name)
    assert isinstance(font, TTFont)
    return font.face
