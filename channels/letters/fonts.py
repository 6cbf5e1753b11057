"""The fonts letters are set in: found on the system, registered once, embedded in each PDF.

Latin text is set in DejaVu Sans (regular and bold; Debian ``fonts-dejavu-core``);
every character DejaVu lacks — Chinese, full-width punctuation — falls back, character
by character, to a CJK font (Debian ``fonts-wqy-microhei``, else ``fonts-wqy-zenhei`` or
``fonts-droid-fallback``). Both are TrueType, which ReportLab embeds as subsets: every
PDF carries the glyphs it uses, so any viewer and any printer shows them.

The CJK font has one weight: Chinese inside ``<strong>`` is set regular (Latin and
digits in it are bold). A character no font has is refused (``LetterLayoutError``)
rather than printed as an empty box — a debtor's name must never lose a character.

Where the system has no such font (a bare machine, a slim container), letters need
nothing but ``pip install``: DejaVu Sans and DejaVu Sans Bold ship with the project
(``shipped_fonts/``, the files Debian installs, under their free licence), and
WenQuanYi Micro Hei comes from the ``paperang-p2-fonts-cjk`` wheel (byte for byte the
file Debian's ``fonts-wqy-microhei`` installs; the tests check its hash): the same
glyphs, embedded the same way. ``LETTER_FONT_DIRS`` says where the system's fonts are
looked for (default ``/usr/share/fonts``); ``FontFiles.fallbacks`` says which were not
found there, and building ``LetterFonts`` logs it in one line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
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

__all__ = ["SYSTEM_FONT_DIRS", "FontFiles", "FontsMissing", "LetterFonts"]

log = logging.getLogger(__name__)

#: Where the system's fonts are looked for, unless LETTER_FONT_DIRS says otherwise.
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"),)

# Each font's place under a font directory (Debian's layout); the bare file name is
# looked for too, so LETTER_FONT_DIRS may name a flat folder of font files.
_SANS = ("truetype/dejavu/DejaVuSans.ttf",)
_SANS_BOLD = ("truetype/dejavu/DejaVuSans-Bold.ttf",)
_CJK = (
    "truetype/wqy/wqy-microhei.ttc",
    "truetype/wqy/wqy-zenhei.ttc",
    "truetype/droid/DroidSansFallbackFull.ttf",
)
_SHIPPED = Path(__file__).parent / "shipped_fonts"
_CJK_PACKAGE = "paperang_p2_fonts_cjk"


class FontsMissing(RuntimeError):
    """A font the letters need is not installed."""


@dataclass(frozen=True)
class _Role:
    what: str
    candidates: tuple[str, ...]
    package: str  # the Debian package that installs it


_ROLES = {
    "sans": _Role("DejaVu Sans", _SANS, "fonts-dejavu-core"),
    "sans_bold": _Role("DejaVu Sans Bold", _SANS_BOLD, "fonts-dejavu-core"),
    "cjk": _Role("a CJK font", _CJK, "fonts-wqy-microhei"),
}


@dataclass(frozen=True)
class FontFiles:
    sans: Path
    sans_bold: Path
    cjk: Path
    # One phrase per font taken from a Python package because the system had none.
    fallbacks: tuple[str, ...] = ()

    @classmethod
    def discover(
        cls,
        *,
        sans: Path | None = None,
        sans_bold: Path | None = None,
        cjk: Path | None = None,
        dirs: Sequence[Path] | None = None,
    ) -> FontFiles:
        """The given files, else the first found under ``dirs`` (default: the system's),
        else the ones that come with the Python packages."""
        search = tuple(Path(d) for d in (SYSTEM_FONT_DIRS if dirs is None else dirs))
        given = {"sans": sans, "sans_bold": sans_bold, "cjk": cjk}
        found: dict[str, Path] = {}
        fallbacks: list[str] = []
        for role, spec in _ROLES.items():
            path = _given(given[role]) or _on_system(spec.candidates, search)
            if path is None:
                path = _packaged(role)
                if path is None:
                    tried = ", ".join(str(d) for d in search) or "no directory"
                    raise FontsMissing(
                        f"no font for letters: {spec.what} is neither under {tried} "
                        f"(LETTER_FONT_DIRS; Debian package {spec.package}) nor in a "
                        f"Python package ({_packaged_hint(role)})"
                    )
                fallbacks.append(f"{spec.what} → {path.name}")
            found[role] = path
        return cls(found["sans"], found["sans_bold"], found["cjk"], tuple(fallbacks))


def _given(path: Path | None) -> Path | None:
    if path is not None and not Path(path).is_file():
        raise FontsMissing(f"font file {path} does not exist")
    return None if path is None else Path(path)


def _on_system(candidates: Sequence[str], dirs: Sequence[Path]) -> Path | None:
    for directory in dirs:
        for relative in candidates:
            for path in (directory / relative, directory / Path(relative).name):
                if path.is_file():
                    return path
    return None


def _packaged(role: str) -> Path | None:
    """The font a Python package ships for ``role``, if that package is installed."""
    if role == "cjk":
        spec = importlib.util.find_spec(_CJK_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "wqy-microhei.ttc"
    else:
        path = _SHIPPED / Path(_ROLES[role].candidates[0]).name
    return path if path.is_file() else None


def _packaged_hint(role: str) -> str:
    return "pip install paperang-p2-fonts-cjk" if role == "cjk" else f"shipped in {_SHIPPED}"


class LetterFonts:
    """The registered fonts, and which of them draws each character."""

    def __init__(self, files: FontFiles | None = None) -> None:
        self.files = files or FontFiles.discover()
        if self.files.fallbacks:
            log.info(
                "letters: no system font for %s; using the ones shipped with the "
                "project and its Python packages (embedded like any other)",
                ", ".join(self.files.fallbacks),
            )
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
