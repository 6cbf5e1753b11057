"""Errors as RFC 9457 problem details: ``application/problem+json`` with the fields at fault.

    {"type": "https://dispatcher.invalid/problems/invalid-request", "title": "...",
     "status": 422, "detail": "...", "errors": [{"field": "destination", "problem": "...",
     "index": 3}]}

Handlers raise ``Problem``; ``problem_middleware`` also turns ``InvalidRequest`` into 422,
``UnknownMessage`` into 404, and, under ``/v1`` and ``/openapi.json``, an unreachable
database or Redis into 503, aiohttp's own HTTP errors (unknown route, wrong method) and
anything unexpected (500, logged) into problems.
Other routes (the provider webhooks) keep their plain answers.

People read ``title``, ``detail`` and each ``errors[].problem`` in the language
``Accept-Language`` asks for (zh-CN or en-US; en-US without the header, as before): the
title by the problem's type, the detail and a field's problem by their ``code``
(``problems.*`` catalogs) when the raiser gave one, else as raised. What programs read —
``type``, ``status``, ``errors[].field``, ``code`` and ``index`` — never changes with
the language; the answer says which it used in ``Content-Language``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from dispatcher.api.models.problem import FieldError
from dispatcher.api.models.problem import Problem as ProblemBody
from dispatcher.api.models.problems import field_text
from dispatcher.errors import (
    FieldProblem,
    IdempotencyConflict,
    InvalidRequest,
    ServiceUnavailable,
    UnknownMessage,
)
from dispatcher.i18n import DEFAULT_LOCALE, has_key, negotiate, translate

__all__ = ["PROBLEM_JSON", "Problem", "problem_middleware", "problem_response", "request_locale"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://dispatcher.invalid/problems/"

# The problem type (its URL's last part) by status; titles are ``problems.title.<slug>``.
_SLUGS = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    500: "internal-error",
    503: "unavailable",
}
_SHOWN_PROBLEMS = 5


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
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail  # English, as raised
        self.errors = list(errors)
        self.title = title
        self.headers = headers or {}
        self.code = code  # the detail's key in the problems catalogs (problems.detail.<code>)
        self.params = dict(params or {})

    @classmethod
    def invalid(cls, problems: Sequence[FieldProblem]) -> Problem:
        shown = "; ".join(str(p) for p in problems[:_SHOWN_PROBLEMS])
        hidden = len(problems) - _SHOWN_PROBLEMS
        more = f" (and {hidden} more)" if hidden > 0 else ""
        return cls(
            422, f"{len(problems)} problem(s): {shown}{more}", errors=problems,
            code="invalid" if hidden <= 0 else "invalid_more",
            params={"count": len(problems), "shown": shown, "hidden": hidden},
        )  # fmt: skip

    def detail_in(self, locale: str) -> str:
        """The detail in ``locale``: its catalog text when it has a code, else as raised."""
        key = f"problems.detail.{self.code}"
        if self.code and has_key(locale, key):
            params = self.params
            if self.errors and "shown" in params:  # each field's problem in locale too
                shown = [_where(p) + ": " + field_problem_in(p, locale) for p in self.errors]
                some = _SHOWN_PROBLEMS if self.code in ("invalid", "invalid_more") else None
                params = {**params, "shown": "; ".join(shown[:some])}
            return translate(locale, key, **params)
        return self.detail

    @classmethod
    def field(
        cls,
        field: str,
        problem: str,
        index: int | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> Problem:
        """422 for one field's problem; ``code`` and ``params`` as ``FieldProblem``'s."""
        return cls.invalid([FieldProblem(field, problem, index, code, params)])


def problem_response(problem: Problem, locale: str = DEFAULT_LOCALE) -> web.Response:
    """The problem as ``application/problem+json``, its title and detail in ``locale``."""
    slug = _SLUGS.get(problem.status, "error")
    body = ProblemBody(
        type=TYPE_BASE + slug,
        title=problem.title or translate(locale, f"problems.title.{slug}"),
        status=problem.status,
        detail=problem.detail_in(locale),
        errors=[
            FieldError(
                field=p.field, code=p.code, problem=field_problem_in(p, locale), index=p.index
            )
            for p in problem.errors
        ]
        or None,
    )
    return web.Response(
        status=problem.status,
        body=body.model_dump_json(exclude_none=True).encode(),
        content_type=PROBLEM_JSON,
        headers={**problem.headers, "Content-Language": locale, "Vary": "Accept-Language"},
    )


def field_problem_in(problem: FieldProblem, locale: str) -> str:
    """A field's problem in ``locale`` when it has a code (``problems.field.*``), else as
    raised (English)."""
    if problem.code is None or not has_key(locale, f"problems.field.{problem.code}"):
        return problem.problem
    return field_text(problem.code, problem.params or {}, locale)


def _where(problem: FieldProblem) -> str:
    return problem.field if problem.index is None else f"[{problem.index}].{problem.field}"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answers_with_problems(request: web.Request) -> bool:
    return request.path.startswith("/v1/") or request.path in {"/v1", "/openapi.json"}


def request_locale(request: web.Request) -> str:
    """The language the caller reads: ``Accept-Language`` (en-US without it)."""
    return negotiate(request.headers.get("Accept-Language"))


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        problem = _problem_for(request, exc)
        if problem is None:
            raise
        return problem_response(problem, request_locale(request))


_BACKING_SERVICES = (
    ServiceUnavailable, OperationalError, InterfaceError, RedisError, ConnectionError,
    TimeoutError,
)  # fmt: skip


def _problem_for(request: web.Request, error: Exception) -> Problem | None:
    """The problem to answer ``error`` with, or None to let it through (outside ``/v1``)."""
    if isinstance(error, Problem):
        return error
    if isinstance(error, IdempotencyConflict):
        return Problem(
            409, str(error), errors=error.problems, code="conflict", params={"shown": str(error)}
        )
    if isinstance(error, InvalidRequest):
        return Problem.invalid(error.problems)
    if isinstance(error, UnknownMessage):
        return Problem(
            404, str(error), code="unknown_message", params={"message_id": error.message_id}
        )
    if not _answers_with_problems(request):
        return None
    if isinstance(error, _BACKING_SERVICES):
        log.warning("%s %s: a backing service failed: %s", request.method, request.path, error)
        return Problem(503, "the database or Redis is unavailable; retry later", code="unavailable")
    if isinstance(error, web.HTTPException):
        if error.status < 400:
            return None
        headers = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
        return Problem(
            error.status, error.reason, headers=headers,
            code={404: "no_route", 405: "method_not_allowed"}.get(error.status),
            params={"method": request.method, "path": request.path},
        )  # fmt: skip
    log.error("unexpected error answering %s %s", request.method, request.path, exc_info=error)
    return Problem(500, "unexpected error; it has been logged", code="internal")
