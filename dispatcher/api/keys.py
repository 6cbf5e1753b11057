"""API keys (admin): create one (its secret is in this answer and nowhere else), list, revoke."""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Fields, read_json
from dispatcher.api.context import Api
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KEY_NAME, KeyRecord, NameTaken, Role

__all__ = ["create_key", "list_keys", "revoke_key"]

MAX_ID = 2**53


@allow(Role.ADMIN)
async def create_key(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a key")
    name = fields.pattern("name", KEY_NAME, hint="1-40 letters, digits, '.', '_' or '-'")
    role = fields.choice("role", tuple(Role))
    fields.finish()
    assert name is not None and role is not None
    try:
        created = await api.keys.create(name=name, role=Role(role), created_by=key.label)
    except NameTaken as exc:
        raise Problem(409, str(exc)) from None
    return web.json_response({**created.record.to_json(), "secret": created.secret}, status=201)


@allow(Role.ADMIN)
async def list_keys(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    return web.json_response({"items": [k.to_json() for k in await api.keys.list()]})


@allow(Role.ADMIN)
async def revoke_key(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    raw = request.match_info["key_id"]
    key_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 16 else 0
    revoked = await api.keys.revoke(key_id, by=key.label) if 0 < key_id < MAX_ID else None
    if revoked is None:
        raise Problem(404, f"no active key with id {raw!r}")
    return web.json_response(revoked.to_json())
