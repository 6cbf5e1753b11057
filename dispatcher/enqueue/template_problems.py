"""A template the catalog cannot find or render, as a field problem with its code
(``problems.field.template.*``): the enqueue and the template API name it alike."""

from __future__ import annotations

from dispatcher.errors import FieldProblem
from templates import TemplateRenderError, UnknownTemplate

__all__ = ["render_problem", "unknown_template_problem"]


def unknown_template_problem(field: str, error: UnknownTemplate) -> FieldProblem:
    """Which of channel, name and locale was not found, and what exists in its place."""
    known = ", ".join(error.known) or "(none)"
    channel, name, locale = repr(error.channel), repr(error.name), repr(error.locale)
    if error.unknown == "channel":
        return FieldProblem(
            field,
            str(error),
            code="template.unknown_channel",
            params={"channel": channel, "known": known},
        )
    if error.unknown == "name":
        return FieldProblem(
            field,
            str(error),
            code="template.unknown_name",
            params={"channel": error.channel, "name": name, "known": known},
        )
    return FieldProblem(
        field,
        str(error),
        code="template.unknown_locale",
        params={"channel": error.channel, "name": name, "locale": locale, "known": known},
    )


def render_problem(field: str, error: TemplateRenderError) -> FieldProblem:
    """The template does not compile or render: what went wrong by its code
    (``template.missing_variable[s]``, ``template.filter.*``), else the engine's own words
    (English)."""
    if error.code is not None:
        return FieldProblem(
            field, error.problem, code=f"template.{error.code}", params=dict(error.params)
        )
    return FieldProblem(
        field, error.problem, code="template.render_failed", params={"message": error.problem}
    )
