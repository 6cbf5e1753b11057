"""Page sizes, and where the window envelope's window falls on page 1.

All measures are in points (1/72 in), from the page's top-left corner.

**A4** follows DIN 5008 form B for a DL or C5/6 window envelope (DIN 680: window
90 × 45 mm, 20 mm from the left): the address field is 45–90 mm from the top; its first
17.7 mm hold the return-address line, the remaining 27.3 mm up to six address lines;
text starts 25 mm from the left. Fold marks at 105 and 210 mm, the punch mark at 148.5 mm.

**US Letter** is for a #10 window envelope (window 4½ × 1⅛ in, ⅞ in from the left and
½ in from the bottom): tri-folded and resting at the bottom of the envelope, the letter
shows through the window 2–3⅛ in from its top. The address sits ⅛ in inside that: the
return line, then up to five lines. Fold marks at 3⅔ and 7⅓ in.

Everything above the window's bottom edge on page 1 — letterhead, return line, window,
date and reference — counts as the *outside*: it may show nothing that suggests debt
collection (12 CFR 1006.22(f)); the letter's body starts below it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["LAYOUTS", "Box", "PageLayout", "PageSize"]

MM = 72 / 25.4
INCH = 72.0


class PageSize(enum.StrEnum):
    A4 = "A4"
    LETTER = "Letter"


@dataclass(frozen=True)
class Box:
    x: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class PageLayout:
    size: PageSize
    width: float
    height: float
    margin_left: float
    margin_right: float
    margin_top: float  # pages after the first
    margin_bottom: float
    footer_baseline: float  # from the top
    letterhead_top: float
    window: Box  # the envelope's window as it lies over page 1
    address: Box  # where the address text goes, inside the window
    sender_size: float  # the return-address line
    recipient_size: float
    recipient_leading: float
    recipient_top: float  # top of the first recipient line
    max_recipient_lines: int
    info_x: float  # date and reference, right of the window
    info_top: float
    body_top: float  # where the letter's text starts on page 1
    fold_marks: tuple[float, ...]

    @property
    def body_width(self) -> float:
        return self.width - self.margin_left - self.margin_right

    @property
    def outside_bottom(self) -> float:
        """The bottom of the zone that faces out of the envelope."""
        return self.window.bottom


_A4 = PageLayout(
    size=PageSize.A4,
    width=210 * MM,
    height=297 * MM,
    margin_left=25 * MM,
    margin_right=20 * MM,
    margin_top=20 * MM,
    margin_bottom=20 * MM,
    footer_baseline=287 * MM,
    letterhead_top=12 * MM,
    window=Box(20 * MM, 45 * MM, 90 * MM, 45 * MM),
    address=Box(25 * MM, 50 * MM, 80 * MM, 38 * MM),
    sender_size=7.0,
    recipient_size=10.0,
    recipient_leading=12.0,
    recipient_top=62.7 * MM,
    max_recipient_lines=6,
    info_x=125 * MM,
    info_top=50 * MM,
    body_top=100 * MM,
    fold_marks=(105 * MM, 148.5 * MM, 210 * MM),
)

_LETTER = PageLayout(
    size=PageSize.LETTER,
    width=8.5 * INCH,
    height=11 * INCH,
    margin_left=1.0 * INCH,
    margin_right=0.75 * INCH,
    margin_top=0.75 * INCH,
    margin_bottom=0.75 * INCH,
    footer_baseline=10.6 * INCH,
    letterhead_top=0.5 * INCH,
    window=Box(0.875 * INCH, 2.0 * INCH, 4.5 * INCH, 1.125 * INCH),
    address=Box(1.0 * INCH, 2.125 * INCH, 4.25 * INCH, 0.875 * INCH),
    sender_size=6.5,
    recipient_size=9.0,
    recipient_leading=10.5,
    recipient_top=2.125 * INCH + 10,
    max_recipient_lines=5,
    info_x=5.75 * INCH,
    info_top=2.125 * INCH,
    body_top=3.3 * INCH,
    fold_marks=(11 / 3 * INCH, 22 / 3 * INCH),
)

LAYOUTS: dict[PageSize, PageLayout] = {PageSize.A4: _A4, PageSize.LETTER: _LETTER}
