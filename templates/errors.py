"""Every error the templates package raises on purpose.

TemplateError
├── UnknownTemplate       no such channel, template name or locale; says which, and what exists
└── TemplateRenderError   the template could not be compiled or rendered with these variables;
                          names the missing variable when that was the problem
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

__all__ = ["TemplateError", "TemplateRenderError", "UnknownPart", "UnknownTemplate"]

UnknownPart = Literal["channel", "name", "locale"]


class TemplateError(Exception):
    """Base of every error raised on purpose by the templates package."""


class UnknownTemplate(TemplateError):
    """The catalog has no template for this channel, name and locale."""

    def __init__(
        self,
        channel: str,
        name: str,
        locale: str,
        *,
        unknown: UnknownPart,
        known: Iterable[str],
    ) -> None:
        self.channel = channel
        self.name = name
        self.locale = locale
        self.unknown = unknown  # which of the three was not found
        self.known = tuple(known)  # what exists in its place
        listed = ", ".join(self.known) or "(none)"
        if unknown == "channel":
            message = f"no channel {channel!r}; known: {listed}"
        elif unknown == "name":
            message = f"no {channel} template {name!r}; known: {listed}"
        else:
            message = f"{channel} template {name!r} has no locale {locale!r}; available: {listed}"
        super().__init__(message)


class TemplateRenderError(TemplateError):
    """A template could not be compiled, or rendered with the variables given."""

    def __init__(
        self,
        template: str,
        problem: str,
        variable: str | None = None,
        *,
        missing: tuple[str, ...] = (),
    ) -> None:
        self.template = template  # "<channel>/<locale>/<name>"
        self.problem = problem  # English
        self.variable = variable
        self.missing = missing  # every variable the text needs and was not given
        super().__init__(f"{template}: {problem}")
