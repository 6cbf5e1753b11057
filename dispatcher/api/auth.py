"""Who is calling: ``Authorization: Bearer <key>``, and whether the key's role may do this.

    @allow(Role.STRATEGY)
    async def enqueue(request: web.Request, api: Api, key: KeyRecord) -> web.Response: ...

No key, or an unknown or revoked one: 401. A valid key whose role is not allowed: 403.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from dispatcher.api.context import API, Api
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role

__all__ = ["PEOPLE", "Endpoint", "allow"]

# Roles held by people: their reads of the contact log are themselves logged.
PEOPLE = frozenset({Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN})

Endpoint = Callable[[web.Request, Api, KeyRecord], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dispatcher"'}


def allow(*roles: Role) -> Callable[[Endpoint], Handler]:
    allowed = frozenset(roles)

    def wrap(endpoint: Endpoint) -> Handler:
        @functools.wraps(endpoint)
        async def handler(request: web.Request) -> web.StreamResponse:
            api = request.app[API]
            key = await authenticate(request, api)
            if key.role not in allowed:
                shown = ", ".join(sorted(allowed))
                raise Problem(
                    403, f"role {key.role} may not do this (allowed: {shown})",
                    code="role_forbidden", params={"role": key.role, "allowed": shown},
                )  # fmt: skip
            return await endpoint(request, api, key)

        handler.allowed_roles = allowed  # type: ignore[attr-defined]
        return handler

    return wrap


async def authenticate(request: web.Request, api: Api) -> KeyRecord:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(
            401, "send an API key as 'Authorization: Bearer <key>'", headers=_CHALLENGE,
            code="missing_key",
        )  # fmt: skip
    key = await api.keys.verify(secret.strip())
    if key is None:
        raise Problem(401, "unknown or revoked API key", headers=_CHALLENGE, code="unknown_key")
    return key
