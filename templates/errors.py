"""Every error the templates package raises on purpose.

TemplateError
├── UnknownTemplate       no such channel, template name or locale; says which, and what exists
└── TemplateRenderError   the template could not be compiled or rendered with these variables;
                          names the missing variable when that was the problem
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

__all__ = ["FilterError", "TemplateError", "TemplateRenderError", "UnknownPart", "UnknownTemplate"]

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
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.template = template  # "<channel>/<locale>/<name>"
        self.problem = problem  # English
        self.variable = variable
        # What went wrong as a code (``missing_variables``, ``filter.not_an_amount``: the
        # problems catalogs' ``field.template.<code>``) and what it names; None: the
        # engine's own words only.
        self.code = code
        self.params: Mapping[str, object] = dict(params or {})
        super().__init__(f"{template}: {problem}")


class FilterError(ValueError):
    """A template filter was given a value it cannot format: ``code`` says what
    (``filter.not_an_amount``) and ``params`` what it names; the message is the English."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
