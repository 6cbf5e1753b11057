"""A pydantic ``ValidationError`` as the API's field problems: a path and a reason each.

    ("messages", 3, "variables", "amount")  ->  index 3, field "variables.amount"

Each problem carries a stable ``code`` (what programs match on) with its parameters,
and its text from the ``problems.field`` catalogs: English here, in the caller's
language in the answer (``dispatcher.api.problems``). A model's own check raises
``PydanticCustomError("<room>.<field>.<what>", english, params)``: that type is its code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from dispatcher.api.models.base import NOT_BLANK
from dispatcher.errors import FieldProblem
from dispatcher.i18n import DEFAULT_LOCALE, has_key, translate
from dispatcher.i18n.terms import named_terms

__all__ = ["field_problems", "field_text", "is_malformed_json", "within"]

# pydantic's type errors, by the JSON type each wanted (problems.json_type.* names it).
_TYPES = {
    "string_type": "string", "int_type": "integer", "bool_type": "boolean",
    "dict_type": "object", "list_type": "array", "model_type": "object",
    "float_type": "number", "date_type": "date", "int_from_float": "integer",
}  # fmt: skip
# A number out of its range; the catalog's text names the bound (ge, gt, le or lt).
_BOUNDS = {
    "greater_than_equal": "at_least", "greater_than": "above",
    "less_than_equal": "at_most", "less_than": "below",
}  # fmt: skip


def is_malformed_json(error: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" for e in error.errors(include_url=False))


def field_problems(error: ValidationError, *, batch: str | None = None) -> list[FieldProblem]:
    """Every problem in ``error``; under ``batch`` (the list's field) with its item's index."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        index = None
        if batch is not None and len(loc) >= 2 and loc[0] == batch and isinstance(loc[1], int):
            index, loc = loc[1], loc[2:]
        code, params = _problem(detail)
        if code == "unknown_field" and len(loc) > 1:  # named by its object, as the enqueue
            loc, code, params = loc[:-1], "unknown_field_named", {"name": loc[-1]}  # names it
        text = field_text(code, params, DEFAULT_LOCALE)
        problems.append(FieldProblem(_path(loc, index), text, index, code, params))
    return problems


def within(one: str, other: str) -> bool:
    """One field is the other, or inside it (``address`` and ``address.region``): a
    later check's problem the model named already."""
    short, long = sorted((one, other), key=len)
    return long == short or long.startswith((f"{short}.", f"{short}["))


def field_text(code: str, params: Mapping[str, Any], locale: str) -> str:
    """A field problem in ``locale``, its JSON types named in that language too. In other
    languages than English, a term it names (a civility category, a status) is in their
    words; the English is the problem as raised, word for word, as programs have read it."""
    if locale != DEFAULT_LOCALE:
        params = named_terms(params, locale)
    named = {
        k: translate(locale, f"problems.json_type.{v}") if k in ("expected", "given") and
        has_key(locale, f"problems.json_type.{v}") else v
        for k, v in params.items()
    }  # fmt: skip
    return translate(locale, f"problems.field.{code}", **named)


def _path(loc: Sequence[int | str], index: int | None) -> str:
    if not loc:
        return "(body)" if index is None else "(item)"
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _problem(detail: ErrorDetails) -> tuple[str, dict[str, Any]]:
    """The problem's code (``problems.field.<code>``) and parameters."""
    kind, ctx, given = detail["type"], detail.get("ctx") or {}, detail["input"]
    if kind == "missing":
        return "required", {}
    if kind == "extra_forbidden":
        return "unknown_field", {}
    if kind in _TYPES:
        return "wrong_type", {"expected": _TYPES[kind], "given": _json_type(given)}
    if kind == "string_too_short" or (
        kind == "string_pattern_mismatch" and ctx["pattern"] == NOT_BLANK
    ):
        return "empty", {}
    if kind == "string_too_long":
        return "too_long", {"max_length": ctx["max_length"]}
    if kind in ("too_short", "too_long"):
        low, high = ctx.get("min_length", 0), ctx.get("max_length")
        if high is None:
            return "item_count_min", {"low": low}
        return "item_count", {"low": low, "high": high}
    if kind == "string_pattern_mismatch":
        return "pattern", {"pattern": ctx["pattern"]}
    if kind in ("enum", "literal_error"):
        return "unknown_value", {"given": repr(given), "expected": ctx["expected"]}
    if kind == "timezone_aware":
        return "needs_offset", {}
    if kind.startswith("date_"):
        return "not_a_date", {}
    if kind.startswith("datetime_"):
        return "not_a_time", {}
    if kind in _BOUNDS:
        return _BOUNDS[kind], dict(ctx)
    if kind == "time_range" or ("." in kind and has_key(DEFAULT_LOCALE, f"problems.field.{kind}")):
        # a model's own check: its type is its code
        return kind, dict(ctx)
    return "invalid", {"message": str(detail["msg"])}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else "null"
