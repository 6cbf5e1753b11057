"""API keys (admin): the request to make one, and keys as shown (the secret only once)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dispatcher.api.models.base import Body, Shown, Stamp
from dispatcher.contactlog.keys import KEY_NAME, Role

__all__ = ["CreatedKey", "Key", "KeyList", "KeyRequest"]


class KeyRequest(Body):
    name: Annotated[str, Field(pattern=f"^{KEY_NAME.pattern}$")]
    role: Role


class Key(Shown):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: Stamp
    created_by: str
    revoked_at: Stamp | None
    revoked_by: str | None


class CreatedKey(Key):
    secret: Annotated[str, Field(description="Shown here once; only its hash is stored")]


class KeyList(Shown):
    items: list[Key]
