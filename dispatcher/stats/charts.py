"""Bar charts drawn on the server as SVG: no script, readable without colour.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by a
``<desc>`` listing every bar's label and value, and every bar carries its value as text:
a screen reader, a printout and a person who cannot tell colours apart read the same
figures as the table beside it. Colours are attributes (the pages' CSP allows no inline
style) with a contrast of at least 4.5:1 on white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["Bar", "bar_chart"]

BAR = "#1f5fa8"  # 6.4:1 on white
INK = "#1a1a1a"
ROW_PX = 24
LABEL_PX = 150
WIDTH_PX = 560
VALUE_PX = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as the reader's locale writes it


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, empty: str) -> Markup:
    """Horizontal bars, one row per ``bars`` entry, scaled to the largest value."""
    height = max(len(bars), 1) * ROW_PX + 8
    biggest = max((b.value for b in bars), default=0)
    span = WIDTH_PX - LABEL_PX - VALUE_PX
    desc = "; ".join(f"{b.label}: {b.shown}" for b in bars) or empty
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'width="{WIDTH_PX}" height="{height}" viewBox="0 0 {WIDTH_PX} {height}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    if not bars:
        parts.append(f'<text x="4" y="18" fill="{INK}" font-size="13">{escape(empty)}</text>')
    for row, bar in enumerate(bars):
        y = 4 + row * ROW_PX
        length = (
            0 if biggest == 0 else max(round(span * bar.value / biggest), 1 if bar.value else 0)
        )
        parts += [
            f'<text x="{LABEL_PX - 6}" y="{y + 15}" text-anchor="end" fill="{INK}" '
            f'font-size="12">{escape(bar.label)}</text>',
            f'<rect x="{LABEL_PX}" y="{y + 2}" width="{length}" height="{ROW_PX - 6}" '
            f'fill="{BAR}"/>',
            f'<text x="{LABEL_PX + length + 6}" y="{y + 15}" fill="{INK}" '
            f'font-size="12">{escape(bar.shown)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
