"""Normalisation that defeats evasion, keeping the way back to the original text.

Every character of a text is normalised on its own, by one cached table, so the
result is the concatenation of per-character pieces and any position in it maps back
to the original character it came from. A character becomes:

* nothing, when it is invisible: zero-width characters (U+200B..U+200D, U+2060,
  U+FEFF), the soft hyphen and every other format character, combining marks,
  control characters, Hangul fillers;
* a **marker** when it separates: ``" "`` (hard) for whitespace and apostrophes,
  ``"."`` (soft) for punctuation and symbols;
* otherwise its folded form: Unicode NFKC (full-width ``ａｒｒｅｓｔ`` is ``arrest``),
  then casefold, then the folds below.

Folds, applied to texts and lexicon phrases alike, so matching stays symmetric:

* traditional and variant Chinese characters to simplified (``compliance.civility.hanzi``);
  您 and 妳 to 你, so a polite or feminine "you" is the same word;
* Cyrillic and Greek letters that look Latin to the Latin letter (``аrrest`` with a
  Cyrillic a is ``arrest``), dotless ı to i;
* ``l`` to ``i``: leetspeak writes both as ``1`` (``k1ll``, ``j41l``), so the two
  letters are one letter for matching. Lexicon words never differ only by i/l.

That gives the **marked** form (``mark``): kept characters and markers. The
**skeleton** (``skeleton``) is the same without the markers and with leetspeak read
everywhere (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s); each is one ``str.translate``.
The scanner finds candidate phrases in the skeleton with one automaton pass, then
checks each candidate against the marked form (``compliance.civility.tokens``): whole
words, and leetspeak only inside words that also have letters, so ``$1,240.00`` or
``455`` never read as words.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable

from compliance.civility.hanzi import TRADITIONAL_TO_SIMPLIFIED

__all__ = [
    "HARD",
    "LEET",
    "LEET_DIGITS",
    "MARKERS",
    "SOFT",
    "SkeletonIndex",
    "is_han",
    "mark",
    "normalise",
    "original_index",
    "original_offsets",
    "skeleton",
]

HARD = " "  # whitespace and apostrophes: they end a word
SOFT = "."  # other punctuation and symbols: inserted between letters, they are skipped
MARKERS = HARD + SOFT

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
LEET_DIGITS = frozenset("013457")

_APOSTROPHES = frozenset("'`´‘’‛′ʹʻʼʽˈ＇")
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u180e\u200b\u200c\u200d\u2060\ufeff\u00ad")

_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ӏ": "i", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    # Latin
    "ı": "i", "ɡ": "g", "l": "i",
}  # fmt: skip

_FOLDS = {**TRADITIONAL_TO_SIMPLIFIED, **_LOOKALIKES, "您": "你", "妳": "你"}

_CACHE_LIMIT = 100_000  # distinct characters remembered; beyond, computed each time
_MARKER = re.compile("[" + re.escape(MARKERS) + "]")


def is_han(char: str) -> bool:
    """A character of a script written without spaces: CJK ideographs, kana, hangul."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    )


def _piece(char: str) -> str:
    """What one original character becomes in the marked form."""
    piece = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        c = _FOLDS.get(c, c)
        if c in _INVISIBLE:
            continue
        if c in _APOSTROPHES:
            piece.append(HARD)
            continue
        category = unicodedata.category(c)
        if category[0] in "LN" or c in "$@":
            piece.append(c)
        elif category in ("Mn", "Me", "Cf"):
            continue
        elif c.isspace() or category[0] == "Z":
            piece.append(HARD)
        elif category == "Cc":
            continue
        else:
            piece.append(SOFT)
    return "".join(piece)


class _Table(dict[int, str]):
    """A ``str.translate`` table computed on first use of each character, then cached."""

    def __init__(self, piece: Callable[[str], str]) -> None:
        super().__init__()
        self._piece = piece

    def __missing__(self, code: int) -> str:
        piece = self._piece(chr(code))
        if len(self) < _CACHE_LIMIT:
            self[code] = piece
        return piece


def _skeleton_piece(piece: str) -> str:
    return "".join(LEET.get(c, c) for c in piece if c not in MARKERS)


_MARK_TABLE = _Table(_piece)
_SKELETON_TABLE = _Table(lambda char: _skeleton_piece(_piece(char)))


def mark(text: str) -> str:
    """The marked form of ``text``: folded characters and separator markers."""
    return text.translate(_MARK_TABLE)


def skeleton(text: str) -> str:
    """``text`` folded, without separators, with leetspeak read everywhere: what is searched.

    It is the marked form without its markers and with leetspeak digits read as letters:
    one character for each kept character of the marked form, in order, so a position
    in it is a position among the marked form's kept characters.
    """
    return text.translate(_SKELETON_TABLE)


def normalise(text: str) -> str:
    """What the scanner searches for ``text`` (the skeleton; for tests and for reading)."""
    return skeleton(text)


class SkeletonIndex:
    """Maps positions in the skeleton of a text to positions in its marked form."""

    __slots__ = ("_markers",)

    def __init__(self, marked: str) -> None:
        self._markers = [m.start() for m in _MARKER.finditer(marked)]

    def marked_index(self, index: int) -> int:
        """Where the skeleton's character number ``index`` is in the marked form.

        That is the least fixed point of ``m = index + (markers at or before m)``.
        """
        position = index
        while True:
            moved = index + bisect.bisect_right(self._markers, position)
            if moved == position:
                return position
            position = moved


def original_offsets(text: str) -> list[int]:
    """Where each original character's piece starts in the marked form (and the end)."""
    lengths = map(len, map(_MARK_TABLE.__getitem__, map(ord, text)))
    return [0, *itertools.accumulate(lengths)]


def original_index(offsets: list[int], marked_position: int) -> int:
    """The original character whose piece holds ``marked_position``."""
    return bisect.bisect_right(offsets, marked_position) - 1
