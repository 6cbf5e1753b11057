"""Why a letter could not be turned into a PDF.

    LetterRenderError            base: the letter was not rendered, nothing was sent
    ├── LetterMarkupError        the HTML uses a tag or structure the renderer does not support
    ├── LetterLayoutError        it does not fit: address too long for the window, no glyph
    └── OutsideTextError         the envelope side (letterhead, return address, window) would
                                 show words that suggest debt collection (12 CFR 1006.22(f))

These are errors in a template or its variables: retrying will not help, so the pipeline
should treat them like a template that fails to render.
"""

from __future__ import annotations

__all__ = ["LetterLayoutError", "LetterMarkupError", "LetterRenderError", "OutsideTextError"]


class LetterRenderError(ValueError):
    """The letter could not be rendered to PDF."""


class LetterMarkupError(LetterRenderError):
    """The letter HTML is outside the subset the renderer understands."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line  # 1-based line in the rendered HTML, when known
        super().__init__(problem if line is None else f"line {line}: {problem}")


class LetterLayoutError(LetterRenderError):
    """The content does not fit the page: it would be cut off or drawn wrongly."""


class OutsideTextError(LetterRenderError):
    """Text visible from outside the envelope suggests debt collection."""

    def __init__(self, zone: str, word: str, text: str) -> None:
        self.zone = zone  # "letterhead", "return address", "window", "info"
        self.word = word  # the word that gave it away
        self.text = text
        super().__init__(f"{zone} would show {word!r} outside the envelope: {text!r}")
