"""Reading request bodies and query strings: size limits, strict JSON, typed fields.

A body is read as its model (``read_body``; ``dispatcher.api.models``) straight from its
bytes; a query string parameter by parameter (``Query``).

Every string that reaches the contact log is checked here first: no NUL characters and
no lone surrogates (PostgreSQL refuses both), so bad input is a 422, never a 500.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from dispatcher.api.models.problems import field_problems, is_malformed_json
from dispatcher.api.problems import Problem
from dispatcher.errors import FieldProblem

__all__ = [
    "MAX_BODY_BYTES", "Query", "parsed", "read_body", "read_json", "read_raw", "refusal",
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
