"""Errors as RFC 9457 problem details: ``application/problem+json`` with the fields at fault.

    {"type": "https://dispatcher.invalid/problems/invalid-request", "title": "...",
     "status": 422, "detail": "...", "errors": [{"field": "destination", "problem": "...",
     "index": 3}]}

Handlers raise ``Problem``; ``problem_middleware`` also turns ``InvalidRequest`` into 422,
``UnknownMessage`` into 404, and, under ``/v1`` and ``/openapi.json``, an unreachable
database or Redis into 503, aiohttp's own HTTP errors (unknown route, wrong method) and
anything unexpected (500, logged) into problems.
Other routes (the provider webhooks) keep their plain answers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from dispatcher.errors import (
    FieldProblem,
    IdempotencyConflict,
    InvalidRequest,
    ServiceUnavailable,
    UnknownMessage,
)

__all__ = ["PROBLEM_JSON", "Problem", "problem_middleware", "problem_response"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://dispatcher.invalid/problems/"

_TITLES = {
    400: ("malformed-request", "The request body is not valid JSON"),
    401: ("unauthenticated", "A valid API key is required"),
    403: ("forbidden", "This key's role may not do that"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "The request is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-request", "The request is invalid; nothing was written"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "A backing service is unavailable; retry later"),
}


class Problem(Exception):
    """An HTTP error to answer with as problem details."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.title = title
        self.headers = headers or {}

    @classmethod
    def invalid(cls, problems: Sequence[FieldProblem]) -> Problem:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return cls(422, f"{len(problems)} problem(s): {shown}{more}", errors=problems)

    @classmethod
    def field(cls, field: str, problem: str, index: int | None = None) -> Problem:
        return cls.invalid([FieldProblem(field, problem, index)])


def problem_response(problem: Problem) -> web.Response:
    slug, default_title = _TITLES.get(problem.status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": problem.title or default_title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        body["errors"] = [_error(p) for p in problem.errors]
    return web.Response(
        status=problem.status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def _error(p: FieldProblem) -> dict[str, Any]:
    error: dict[str, Any] = {"field": p.field, "problem": p.problem}
    if p.index is not None:
        error["index"] = p.index
    return error


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answers_with_problems(request: web.Request) -> bool:
    return request.path.startswith("/v1/") or request.path in {"/v1", "/openapi.json"}


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem)
    except IdempotencyConflict as exc:
        return problem_response(Problem(409, str(exc), errors=exc.problems))
    except InvalidRequest as exc:
        return problem_response(Problem.invalid(exc.problems))
    except UnknownMessage as exc:
        return problem_response(Problem(404, str(exc)))
    except (
        ServiceUnavailable, OperationalError, InterfaceError, RedisError, ConnectionError,
        TimeoutError,
    ) as exc:  # fmt: skip
        if not _answers_with_problems(request):
            raise
        log.warning("%s %s: a backing service failed: %s", request.method, request.path, exc)
        return problem_response(Problem(503, "the database or Redis is unavailable; retry later"))
    except web.HTTPException as exc:
        if not _answers_with_problems(request) or exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return problem_response(Problem(exc.status, exc.reason, headers=headers))
    except Exception:
        if not _answers_with_problems(request):
            raise
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return problem_response(Problem(500, "unexpected error; it has been logged"))
