"""A pydantic ``ValidationError`` as the API's field problems: a path and a reason each.

    ("messages", 3, "variables", "amount")  ->  index 3, field "variables.amount"

Each problem carries a stable ``code`` (what programs match on) and an English text,
in the words the API has always used ("is required", "unknown field").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from dispatcher.api.models.base import NOT_BLANK
from dispatcher.errors import FieldProblem

__all__ = ["field_problems", "is_malformed_json"]

_TYPES = {
    "string_type": "a string", "int_type": "an integer", "bool_type": "a boolean",
    "dict_type": "an object", "list_type": "an array", "model_type": "an object",
    "float_type": "a number", "date_type": "a date", "int_from_float": "an integer",
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
        problem = _problem(detail)
        if detail["type"] == "extra_forbidden" and len(loc) > 1:  # named by its object, as
            loc, problem = loc[:-1], f"unknown field {loc[-1]!r}"  # the enqueue names it
        problems.append(FieldProblem(_path(loc, index), problem, index))
    return problems


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


def _problem(detail: ErrorDetails) -> str:
    kind, ctx, given = detail["type"], detail.get("ctx") or {}, detail["input"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}, not {_json_type(given)}"
    if kind == "string_too_short" or (
        kind == "string_pattern_mismatch" and ctx["pattern"] == NOT_BLANK
    ):
        return "must not be empty"
    if kind == "string_too_long":
        return f"longer than {ctx['max_length']} characters"
    if kind in ("too_short", "too_long"):
        return f"must have {_count(ctx)} items"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx['pattern']}"
    if kind in ("enum", "literal_error"):
        return f"unknown {given!r}; known: {ctx['expected']}"
    if kind == "timezone_aware":
        return "needs a UTC offset, e.g. 2026-11-28T09:00:00+08:00"
    if kind.startswith("date_"):
        return "must be a date like 2026-11-30"
    if kind.startswith("datetime_"):
        return "must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-28T09:00:00Z"
    return str(detail["msg"])


def _count(ctx: dict[str, Any]) -> str:
    low, high = ctx.get("min_length", 0), ctx.get("max_length")
    return f"{low} to {high}" if high is not None else f"at least {low}"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string" if isinstance(value, str) else "null"
