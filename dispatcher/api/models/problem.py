"""Problem details (RFC 9457), the answer to every refused request under ``/v1``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dispatcher.api.models.base import Shown

__all__ = ["FieldError", "Problem"]


class FieldError(Shown):
    field: Annotated[str, Field(description="The field at fault: variables.amount, phones[1]")]
    code: Annotated[
        str | None,
        Field(description="What is wrong, the same in every language (required, too_long, …)"),
    ] = None
    problem: Annotated[str, Field(description="What is wrong, in the Content-Language")]
    index: Annotated[int | None, Field(description="The item's position in a batch")] = None


class Problem(Shown):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
