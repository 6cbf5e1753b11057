"""An answer's body as JSON, serialised by its model (pydantic's own encoder, in Rust)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

__all__ = ["shown"]


def shown(body: BaseModel, *, status: int = 200) -> web.Response:
    return web.Response(text=body.model_dump_json(), status=status, content_type="application/json")
