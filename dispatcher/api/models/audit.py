"""Who read whose records (compliance): the access log, in keyset pages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from dispatcher.api.models.base import Shown, Stamp

__all__ = ["AuditRead", "AuditReadPage"]


class AuditRead(Shown):
    id: int
    at: Stamp
    reader: str
    action: str
    debtor_ref: str | None
    message_id: str | None
    filters: dict[str, Any]
    rows: int | None


class AuditReadPage(Shown):
    items: list[AuditRead]
    next_cursor: Annotated[int | None, Field(description="The cursor of the next page")]
