"""Collectors (admin): who may call and visit, their phone, training and credential."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from dispatcher.api.models.base import NOT_BLANK, Body, Shown, Stamp

__all__ = ["Collector", "CollectorList", "CollectorRequest"]


class CollectorRequest(Body):
    """Replaces the collector: a field left out is cleared; active defaults to true."""

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
    phone: Annotated[
        str,
        Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="E.164, or sip:"),
    ]
    team: Annotated[str | None, Field(min_length=1, max_length=100, pattern=NOT_BLANK)] = None
    trained_on: Annotated[date | None, Field(description="Training passed on this date")] = None
    credential_expires: Annotated[date | None, Field(description="Valid through this date")] = None
    active: Annotated[bool | None, Field(description="Default true")] = None


class Collector(Shown):
    collector_id: str
    name: str
    phone: str
    team: str | None
    trained_on: date | None
    credential_expires: date | None
    active: bool
    updated_at: Stamp


class CollectorList(Shown):
    items: list[Collector]
