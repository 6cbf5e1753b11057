"""The workspace's palette (the custom properties at the top of workspace.css): every text
colour on every background it is used on has a contrast ratio of at least 4.5:1 (WCAG
2.x, level AA for body text), computed here from the colours themselves."""

from __future__ import annotations

import re

import pytest

from dispatcher.workspace import STATIC

# (text, background) as the stylesheet uses them.
PAIRS = [
    ("ink", "paper"), ("muted", "paper"), ("link", "paper"), ("danger", "paper"),
    ("ok", "paper"), ("ink", "row"), ("muted", "row"), ("link", "row"), ("danger", "row"),
    ("ok", "row"), ("band-ink", "band"), ("band", "paper"), ("accent-ink", "accent"),
    ("danger-ink", "danger"), ("warn-ink", "warn-bg"),
]  # fmt: skip


def palette() -> dict[str, str]:
    css = (STATIC / "workspace.css").read_text(encoding="utf-8")
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root is not None
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", root.group(1)))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_each_text_colour_is_readable_on_its_background(text: str, background: str) -> None:
    colours = palette()
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"
