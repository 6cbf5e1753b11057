"""The two kinds of body, and the field types they are made of.

``Body`` is what a caller sends: unknown fields are refused (a misspelt field is named,
not silently ignored), and types are strict — JSON's own types only, no coercion of
``"5"`` to 5 or of a number to a time. ``Shown`` is what the API answers with.

Each constraint here is both a check and a line of the OpenAPI document: pydantic puts
``minLength``, ``maxLength``, ``pattern`` and ``format`` into the JSON Schema it derives.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "NOT_BLANK", "Body", "Campaign", "Json", "Key", "Reason", "Ref", "Ref64", "Shown", "Stamp",
    "Text10", "Time", "TimeText", "TimesOnClock", "ZoneName", "named_enum",
]  # fmt: skip

Json = dict[str, Any]

# Times outside these are mistakes, and far-future ones would overflow a validity period.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class Body(BaseModel):
    """A request body: closed, strict, every problem reported at once."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Shown(BaseModel):
    """A response body. Closed in the document, so a client may rely on the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def named_enum(name: str, values: Iterable[str]) -> Any:
    """``values`` as one enum named ``name``: one schema that every field using it refers
    to, so a generated client has one class for it (an inline enum is a class per field).
    Read from JSON as its values; a Python caller may pass a plain string too."""
    choices = enum.StrEnum(name, [(str(v), str(v)) for v in values])  # type: ignore[misc]
    return Annotated[choices, Strict(False)]


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = EARLIEST.replace(year=1999)
    if not EARLIEST <= utc <= LATEST:
        raise PydanticCustomError(
            "time_range", "must be between {earliest} and {latest}",
            {"earliest": EARLIEST.year, "latest": LATEST.year},
        )  # fmt: skip
    return utc


# More than white space. A pattern, not a Python validator: checked in pydantic's core
# (a batch has 10,000 items), and said in the document too.
NOT_BLANK = r"\S"
# A reference the caller owns (debtor, template): 1 to 100 characters, not only blanks.
Ref = Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]
Ref64 = Annotated[str, Field(min_length=1, max_length=64, pattern=NOT_BLANK)]
Key = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
Text10 = Annotated[str, Field(min_length=1, max_length=10, pattern=NOT_BLANK)]
# Why someone did something, for the log.
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=NOT_BLANK)]
# What a campaign pause or cancel matches.
Campaign = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")]
# An ISO 8601 date-time with a UTC offset, between 2000 and 9000; read as UTC.
Time = Annotated[AwareDatetime, AfterValidator(_in_range)]
# A time in an answer, written as Python writes it (``+00:00``, as the contact log's).
Stamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# A time an answer holds as text already (ISO 8601 with its offset, as the log writes it).
TimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# The debtor's zone in an answer, and an answer's times on that clock (null without one).
ZoneName = Annotated[
    str | None, Field(description="The debtor's IANA time zone; null where it is not known")
]
TimesOnClock = Annotated[
    dict[str, TimeText] | None,
    Field(description="The times above on the debtor's clock; null without a zone"),
]
