"""Reading request bodies and query strings: size limits, strict JSON, typed fields.

A body is read as its model (``read_body``; ``dispatcher.api.models``) straight from its
bytes. ``Fields`` reads the bodies not yet declared as models, field by field.

Every string that reaches the contact log is checked here first: no NUL characters and
no lone surrogates (PostgreSQL refuses both), so bad input is a 422, never a 500.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from dispatcher.api.models.problems import field_problems, is_malformed_json
from dispatcher.api.problems import Problem
from dispatcher.errors import FieldProblem

__all__ = [
    "MAX_BODY_BYTES", "Fields", "Query", "parsed", "read_body", "read_json", "read_raw",
    "refusal",
]  # fmt: skip

B = TypeVar("B", bound=BaseModel)

MAX_BODY_BYTES = 1024**2  # every body but a batch's
_CHUNK = 64 * 1024
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# What Python's json reads and strict JSON is not; the models' parser would read them too.
_CONSTANT = re.compile(rb"NaN|Infinity")
# Times outside these are mistakes, and far-future ones would overflow a validity period.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


async def read_json(request: web.Request, *, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The body as JSON: 413 past ``max_bytes``, 400 if it is not strict JSON (no NaN)."""
    raw = await read_raw(request, max_bytes=max_bytes)
    return _strict_json(raw)


async def read_body(request: web.Request, model: type[B], *, max_bytes: int = MAX_BODY_BYTES) -> B:
    """The body as ``model``: 413, 400 as ``read_json``; 422 naming every bad field."""
    return parsed(model, await read_raw(request, max_bytes=max_bytes))


def parsed(model: type[B], raw: bytes) -> B:
    """``raw`` (from ``read_raw``) as ``model``, or the problem to answer with."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise refusal(exc) from None


def refusal(error: ValidationError, *, batch: str | None = None) -> Problem:
    """400 if the body is not JSON, else 422 with each field's problem."""
    if is_malformed_json(error):
        reason = str(error.errors()[0]["msg"])
        return Problem(
            400, f"the body is not valid JSON: {reason}", code="not_json", params={"reason": reason}
        )
    return Problem.invalid(field_problems(error, batch=batch))


async def read_raw(request: web.Request, *, max_bytes: int) -> bytes:
    """The body's bytes: 413 past ``max_bytes``; 400 for NaN or Infinity; 422 naming the
    first string the contact log could not store (a NUL or a lone surrogate)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large(max_bytes)
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not _plainly_storable(raw) or _CONSTANT.search(raw):  # rare: read it all to find out
        _strict_json(raw)
    return raw


def _strict_json(raw: bytes) -> Any:
    try:
        document = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        reason = str(exc)
        raise Problem(
            400, f"the body is not valid JSON: {reason}", code="not_json", params={"reason": reason}
        ) from None
    bad = None if _plainly_storable(raw) else _bad_string(document, "")
    if bad is not None:
        unstorable = FieldProblem(
            bad or "(body)", "contains a NUL character or a lone surrogate", code="body.unstorable"
        )
        raise Problem.invalid([unstorable])
    return document


def _plainly_storable(raw: bytes) -> bool:
    """True if no string in this JSON can hold a NUL or a lone surrogate; no walk needed.

    Without a zero byte the body is UTF-8 (``json.loads`` would detect UTF-16 or 32 by
    their zero bytes). Strict JSON refuses raw control characters in strings, so a NUL
    or a surrogate can only come from an escape (``\\u0000``, ``\\uD800``-``\\uDFFF``; a
    pair is walked too), or (surrogates, which ``json`` decodes with ``surrogatepass``)
    from UTF-8 bytes led by 0xED. Else: walk the document.
    """
    return b"\x00" not in raw and b"\xed" not in raw and _RISKY_ESCAPE.search(raw) is None


def _too_large(max_bytes: int) -> Problem:
    return Problem(
        413, f"the body is larger than {max_bytes} bytes", code="body_too_large",
        params={"max_bytes": max_bytes},
    )  # fmt: skip


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _bad_string(value: Any, path: str) -> str | None:
    """The path of the first unstorable string (key or value) in ``value``, if any."""
    if isinstance(value, str):
        return None if _storable(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not _storable(key):
                return path or "(body)"
            found = _bad_string(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_string(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Fields:
    """One JSON object read field by field; every problem is collected with its field name.

    ``finish()`` adds a problem for each field that was not read (a misspelt field is
    named, not silently ignored) and raises them all, if any.
    """

    def __init__(self, data: Any, *, index: int | None = None, what: str = "the body") -> None:
        self.index = index
        self.problems: list[FieldProblem] = []
        self._read: set[str] = set()
        if isinstance(data, dict):
            self.data: dict[str, Any] = data
        else:
            self.data = {}
            self.fail("(body)" if index is None else "(item)", f"{what} must be a JSON object")

    def fail(
        self, field: str, problem: str, code: str | None = None, **params: object
    ) -> None:  # code and params: the problem's in the problems.field catalogs
        self.problems.append(FieldProblem(field, problem, self.index, code, params or None))

    def value(self, name: str, *, required: bool) -> Any:
        """The raw JSON value of a field (None if absent)."""
        return self._get(name, required)

    def _get(self, name: str, required: bool) -> Any:
        self._read.add(name)
        value = self.data.get(name)
        if value is None and required:
            self.fail(name, "is required", "required")
        return value

    def text(
        self, name: str, *, max_length: int, required: bool = True, allow_empty: bool = False
    ) -> str | None:
        """A string field; blank is refused if required, empty unless ``allow_empty``."""
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            given = _json_type(value)
            self.fail(
                name,
                f"must be a string, not {given}",
                "wrong_type",
                expected="string",
                given=given.split()[-1],
            )
            return None
        if (required and not value.strip()) or (not value and not allow_empty):
            self.fail(name, "must not be empty", "empty")
            return None
        if len(value) > max_length:
            self.fail(
                name, f"longer than {max_length} characters", "too_long", max_length=max_length
            )
            return None
        return value

    def pattern(
        self, name: str, regex: re.Pattern[str], *, hint: str, required: bool = True
    ) -> str | None:
        value = self.text(name, max_length=200, required=required)
        if value is not None and not regex.fullmatch(value):
            self.fail(name, f"must be {hint}")
            return None
        return value

    def choice(
        self,
        name: str,
        choices: Mapping[str, Any] | set[str] | tuple[str, ...],
        *,
        required: bool = True,
    ) -> str | None:
        value = self.text(name, max_length=100, required=required)
        if value is not None and value not in choices:
            known = ", ".join(sorted(choices))
            self.fail(
                name,
                f"unknown {value!r}; known: {known}",
                "unknown_choice",
                value=repr(value),
                known=known,
            )
            return None
        return value

    def timestamp(self, name: str) -> datetime | None:
        value = self.text(name, max_length=64, required=False)
        return None if value is None else _timestamp(value, functools.partial(self.fail, name))

    def mapping(self, name: str) -> dict[str, Any]:
        value = self._get(name, False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            given = _json_type(value)
            self.fail(
                name,
                f"must be an object, not {given}",
                "wrong_type",
                expected="object",
                given=given.split()[-1],
            )
            return {}
        return value

    def string_list(self, name: str, *, max_items: int, max_length: int) -> list[str] | None:
        value = self._get(name, False)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "must be a list of strings", "body.string_list")
            return None
        if len(value) > max_items or any(len(v) > max_length for v in value):
            self.fail(
                name,
                f"at most {max_items} items of at most {max_length} characters",
                "body.string_list_size",
                max_items=max_items,
                max_length=max_length,
            )
            return None
        return list(value)

    def done(self) -> list[FieldProblem]:
        """Every problem found, with one for each field that was never read."""
        for name in sorted(set(self.data) - self._read):
            self.fail(name, "unknown field", "unknown_field")
        self._read = set(self.data)
        return self.problems

    def finish(self) -> None:
        if self.done():
            raise Problem.invalid(self.problems)


class Query:
    """A query string read the same way: unknown or repeated parameters are refused."""

    def __init__(self, request: web.Request) -> None:
        self.problems: list[FieldProblem] = []
        self._read: set[str] = set()
        self.query = request.query

    def fail(self, name: str, problem: str, code: str | None = None, **params: object) -> None:
        self.problems.append(FieldProblem(name, problem, None, code, params or None))

    def text(self, name: str, *, max_length: int = 100) -> str | None:
        self._read.add(name)
        values = self.query.getall(name, [])
        if not values:
            return None
        if len(values) > 1:
            self.fail(name, "given more than once", "query.repeated")
            return None
        value = values[0]
        if not value or len(value) > max_length or not _storable(value):
            self.fail(
                name,
                f"must be 1 to {max_length} characters, without NUL",
                "query.length",
                max=max_length,
            )
            return None
        return value

    def choice(self, name: str, choices: set[str] | tuple[str, ...]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            known = ", ".join(sorted(choices))
            self.fail(
                name,
                f"unknown {value!r}; known: {known}",
                "unknown_choice",
                value=repr(value),
                known=known,
            )
            return None
        return value

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        value = self.text(name, max_length=10)
        if value is None:
            return default
        if not value.isascii() or not value.isdigit() or not minimum <= int(value) <= maximum:
            self.fail(
                name,
                f"must be an integer from {minimum} to {maximum}",
                "query.integer_range",
                minimum=minimum,
                maximum=maximum,
            )
            return default
        return int(value)

    def timestamp(self, name: str) -> datetime | None:
        value = self.text(name, max_length=64)
        return None if value is None else _timestamp(value, functools.partial(self.fail, name))

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.choice(name, ("true", "false"))
        return default if value is None else value == "true"

    def finish(self) -> None:
        for name in sorted(set(self.query) - self._read):
            self.fail(name, "unknown parameter", "query.unknown")
        if self.problems:
            raise Problem.invalid(self.problems)


def _timestamp(value: str, fail: Any) -> datetime | None:
    """The instant, or None after ``fail(problem, code, **params)``."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(
            "must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-28T09:00:00Z",
            "not_a_time",
        )
        return None
    if parsed.tzinfo is None:
        fail("needs a UTC offset, e.g. 2026-11-28T09:00:00+08:00", "needs_offset")
        return None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        parsed = _EARLIEST - timedelta(days=1)
    if not _EARLIEST <= parsed <= _LATEST:
        earliest, latest = f"{_EARLIEST:%Y}", f"{_LATEST:%Y}"
        fail(
            f"must be between {earliest} and {latest}",
            "time_range",
            earliest=earliest,
            latest=latest,
        )
        return None
    return parsed


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
