"""API keys (admin): create one (its secret is in this answer and nowhere else), list, revoke."""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.models import keys as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, NameTaken, Role

__all__ = ["create_key", "list_keys", "revoke_key"]

MAX_ID = 2**53


@allow(Role.ADMIN)
async def create_key(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, bodies.KeyRequest)
    try:
        created = await api.keys.create(name=body.name, role=body.role, created_by=key.label)
    except NameTaken as exc:
        raise Problem(
            409, str(exc), code="key_name_taken", params={"name": repr(exc.name)}
        ) from None
    shown_key = _key(created.record).model_dump()
    return shown(bodies.CreatedKey(**shown_key, secret=created.secret), status=201)


@allow(Role.ADMIN)
async def list_keys(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    return shown(bodies.KeyList(items=[_key(k) for k in await api.keys.list()]))


@allow(Role.ADMIN)
async def revoke_key(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    raw = request.match_info["key_id"]
    key_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 16 else 0
    revoked = await api.keys.revoke(key_id, by=key.label) if 0 < key_id < MAX_ID else None
    if revoked is None:
        shown_id = repr(raw)
        raise Problem(
            404, f"no active key with id {shown_id}", code="unknown_key_id",
            params={"key_id": shown_id},
        )  # fmt: skip
    return shown(_key(revoked))


def _key(record: KeyRecord) -> bodies.Key:
    return bodies.Key.model_validate(record, from_attributes=True)
