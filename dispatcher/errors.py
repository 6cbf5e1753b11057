"""Every error the dispatcher raises on purpose.

    DispatcherError
    ├── InvalidRequest            bad input from a caller; names the field and the problem
    │   ├── InvalidBatch          one or more items of a batch were invalid (nothing enqueued)
    │   └── IdempotencyConflict   an idempotency key reused for a different request (409)
    ├── UnknownMessage            no message with that id
    └── ServiceUnavailable        a backing service (database, Redis) could not be reached

Channel errors (``TransientChannelError``, ``PermanentChannelError``) live in
``channels.base`` so that adapters do not depend on the dispatcher.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DispatcherError",
    "FieldProblem",
    "IdempotencyConflict",
    "InvalidBatch",
    "InvalidRequest",
    "ServiceUnavailable",
    "UnknownMessage",
]


class DispatcherError(Exception):
    """Base of every error raised on purpose by the dispatcher."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of a request."""

    field: str
    problem: str  # English
    index: int | None = None  # position in a batch, when the request was a batch
    # The problem's key in the problems.field catalogs (the API answers in the caller's
    # language) and its parameters; None: only the English text above.
    code: str | None = dataclasses.field(default=None, compare=False)
    params: Mapping[str, Any] | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.field if self.index is None else f"[{self.index}].{self.field}"
        return f"{where}: {self.problem}"


class InvalidRequest(DispatcherError):
    """A request was refused before anything was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @classmethod
    def of(
        cls,
        field: str,
        problem: str,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> InvalidRequest:
        """One field's problem; ``code`` and ``params`` as ``FieldProblem``'s."""
        return cls([FieldProblem(field, problem, code=code, params=params)])


class InvalidBatch(InvalidRequest):
    """At least one item of a batch was invalid; the whole batch was refused."""


class IdempotencyConflict(InvalidRequest):
    """An idempotency key already names a message made from a different request. Nothing
    was written: answering with the first message would silently drop the second."""


class UnknownMessage(DispatcherError):
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        super().__init__(f"no message with id {message_id!r}")


class ServiceUnavailable(DispatcherError):
    """The database or Redis could not be reached; the caller may retry."""
