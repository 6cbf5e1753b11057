"""``GET /healthz``: are the database and Redis reachable, and does Twilio take our key."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from dispatcher.api.models.base import Shown

__all__ = ["Health"]


class Health(Shown):
    status: Literal["ok", "degraded"]
    checks: Annotated[
        dict[str, str], Field(description='By what was checked: "ok", or what went wrong')
    ]
