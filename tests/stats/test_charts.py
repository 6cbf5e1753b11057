"""The charts' drawing: every value written out, bars scaled, colours readable."""

from __future__ import annotations

import re

from dispatcher.stats.charts import BAR, INK, Bar, bar_chart
from tests.workspace.test_contrast import contrast, palette


def test_a_chart_names_itself_and_writes_every_value() -> None:
    svg = bar_chart("c", "Refusals <by rule>", [Bar("hold.active", 4, "4"), Bar("a&b", 1, "1")],
                    empty="None")  # fmt: skip
    assert '<title id="c-title">Refusals &lt;by rule&gt;</title>' in svg
    assert '<desc id="c-desc">hold.active: 4; a&amp;b: 1</desc>' in svg
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths == [340, 85]  # the largest fills the bar area; the rest in proportion


def test_an_empty_chart_says_so() -> None:
    svg = bar_chart("c", "T", [], empty="无")
    assert "<rect" not in svg and ">无</text>" in svg and '<desc id="c-desc">无</desc>' in svg


def test_the_chart_colours_are_readable_on_the_page() -> None:
    paper = palette()["paper"]
    assert contrast(INK, paper) >= 4.5  # text
    assert contrast(BAR, paper) >= 3.0  # a graphic (WCAG 1.4.11)
