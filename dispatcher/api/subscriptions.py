"""Webhook subscriptions (admin): create, list, read, change, rotate a secret; the
deliveries and attempts of each, and the replay of dead letters.

    POST  /v1/subscriptions                      {name, url, event_types, role?, secret?}
    GET   /v1/subscriptions
    GET   /v1/subscriptions/{id}
    PATCH /v1/subscriptions/{id}                 {url?, event_types?, role?, active?}
    POST  /v1/subscriptions/{id}/secrets         {secret?, keep_old_for_s?}: rotate
    GET   /v1/subscriptions/{id}/deliveries      ?state=pending|delivered|dead&after&limit
    GET   /v1/subscriptions/{id}/attempts        ?after&limit
    POST  /v1/subscriptions/{id}/replay          {delivery_ids?}: dead letters again

A secret is in the answer that made it and nowhere else (lists show its first letters).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Fields, Query, read_json
from dispatcher.api.context import Api
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KEY_NAME, KeyRecord, Role
from dispatcher.events.kinds import EVENT_TYPES
from dispatcher.webhooks.deliveries import STATES, counts, list_attempts, list_deliveries, replay
from dispatcher.webhooks.signing import key_of
from dispatcher.webhooks.subscriptions import NameTaken, SubscriptionStore

__all__ = ["add_subscription_routes"]

ROLES = (str(Role.STRATEGY), str(Role.COMPLIANCE))  # whose view of personal data is sent
# Visible ASCII only (the OpenAPI document states the same pattern): no spaces, no
# characters two regex dialects might class differently.
URL_PATTERN = r"https?://[A-Za-z0-9.\-_~%:@\[\]]+(/[!-~]*)?"
URL = re.compile(URL_PATTERN)
MAX_ID = 2**53
MAX_AFTER = 9_999_999_999  # ten digits: what a query parameter may hold
DAY_S = 86_400


def add_subscription_routes(app: web.Application) -> None:
    route = app.router
    route.add_get("/v1/subscriptions", list_subscriptions)
    route.add_post("/v1/subscriptions", create_subscription)
    route.add_get("/v1/subscriptions/{subscription_id}", get_subscription)
    route.add_patch("/v1/subscriptions/{subscription_id}", change_subscription)
    route.add_post("/v1/subscriptions/{subscription_id}/secrets", rotate_secret)
    route.add_get("/v1/subscriptions/{subscription_id}/deliveries", deliveries)
    route.add_get("/v1/subscriptions/{subscription_id}/attempts", attempts)
    route.add_post("/v1/subscriptions/{subscription_id}/replay", replay_dead)


def _store(api: Api) -> SubscriptionStore:
    return SubscriptionStore(api.deps.log.engine, api.deps.clock)


async def _found(request: web.Request, api: Api) -> tuple[int, dict[str, Any]]:
    raw = request.match_info["subscription_id"]
    sub_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 16 else 0
    shown = await _store(api).get(sub_id) if 0 < sub_id < MAX_ID else None
    if shown is None:
        raise Problem(404, f"no subscription with id {raw!r}")
    return sub_id, shown


def _event_types(fields: Fields, *, required: bool) -> list[str] | None:
    value = fields.string_list("event_types", max_items=len(EVENT_TYPES) + 1, max_length=32)
    if value is None:
        if required:
            fields.fail("event_types", 'is required: a list of event types, or ["*"] for all')
        return None
    unknown = sorted(set(value) - {*EVENT_TYPES, "*"})
    if not value or unknown:
        fields.fail("event_types", f"unknown {unknown}; known: *, {', '.join(EVENT_TYPES)}")
        return None
    return sorted(set(value))


def _secret(fields: Fields) -> str | None:
    secret = fields.text("secret", max_length=200, required=False)
    if secret is not None:
        try:
            key_of(secret)
        except ValueError as exc:
            fields.fail("secret", str(exc))
            return None
    return secret


def _url(fields: Fields, *, required: bool) -> str | None:
    url = fields.text("url", max_length=2000, required=required)
    if url is not None and not URL.fullmatch(url):
        fields.fail("url", "must be an http:// or https:// URL")
        return None
    return url


@allow(Role.ADMIN)
async def create_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a subscription")
    name = fields.pattern("name", KEY_NAME, hint="1-40 letters, digits, '.', '_' or '-'")
    url = _url(fields, required=True)
    types = _event_types(fields, required=True)
    role = fields.choice("role", ROLES, required=False) or Role.STRATEGY
    secret = _secret(fields)
    fields.finish()
    assert name is not None and url is not None and types is not None
    try:
        shown, secret = await _store(api).create(
            name=name, url=url, event_types=types, role=str(role), secret=secret, by=key.label
        )
    except NameTaken as exc:
        raise Problem(409, str(exc)) from None
    return web.json_response({**shown, "secret": secret}, status=201)


@allow(Role.ADMIN)
async def list_subscriptions(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    return web.json_response({"items": await _store(api).list()})


@allow(Role.ADMIN)
async def get_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    sub_id, shown = await _found(request, api)
    return web.json_response({**shown, "deliveries": await counts(api.deps.log.engine, sub_id)})


@allow(Role.ADMIN)
async def change_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="the changes")
    changes: dict[str, Any] = {
        "url": _url(fields, required=False),
        "event_types": _event_types(fields, required=False),
        "role": fields.choice("role", ROLES, required=False),
    }
    active = fields.value("active", required=False)
    if active is not None and not isinstance(active, bool):
        fields.fail("active", "must be true or false")
    changes["active"] = active
    fields.finish()
    sub_id, _ = await _found(request, api)
    shown = await _store(api).update(sub_id, {k: v for k, v in changes.items() if v is not None})
    if shown is None:
        raise Problem(404, f"no subscription with id {sub_id}")
    return web.json_response(shown)


@allow(Role.ADMIN)
async def rotate_secret(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a rotation")
    secret = _secret(fields)
    keep = fields.value("keep_old_for_s", required=False)
    if keep is not None and (
        isinstance(keep, bool) or not isinstance(keep, int) or not 0 <= keep <= 7 * DAY_S
    ):
        fields.fail("keep_old_for_s", f"must be an integer from 0 to {7 * DAY_S} (seconds)")
    fields.finish()
    sub_id, _ = await _found(request, api)
    rotated = await _store(api).rotate(
        sub_id, secret=secret, keep_old_for_s=DAY_S if keep is None else keep
    )
    if rotated is None:
        raise Problem(404, f"no subscription with id {sub_id}")
    shown, secret = rotated
    return web.json_response({**shown, "secret": secret}, status=201)


@allow(Role.ADMIN)
async def deliveries(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    state = query.choice("state", STATES)
    after = query.integer("after", default=0, minimum=0, maximum=MAX_AFTER)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    query.finish()
    sub_id, _ = await _found(request, api)
    items = await list_deliveries(
        api.deps.log.engine, sub_id, state=state, after=after, limit=limit
    )
    return web.json_response({"items": items, "next_after": items[-1]["id"] if items else after})


@allow(Role.ADMIN)
async def attempts(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    after = query.integer("after", default=0, minimum=0, maximum=MAX_AFTER)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    query.finish()
    sub_id, _ = await _found(request, api)
    items = await list_attempts(api.deps.log.engine, sub_id, after=after, limit=limit)
    return web.json_response({"items": items, "next_after": items[-1]["id"] if items else after})


@allow(Role.ADMIN)
async def replay_dead(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a replay")
    ids = fields.value("delivery_ids", required=False)
    if ids is not None and (
        not isinstance(ids, list) or not 1 <= len(ids) <= 1000
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < MAX_ID for i in ids)
    ):  # fmt: skip
        fields.fail("delivery_ids", "must be a list of 1 to 1000 delivery ids")
    fields.finish()
    sub_id, _ = await _found(request, api)
    replayed = await replay(api.deps.log.engine, sub_id, ids, now=api.deps.clock.now())
    return web.json_response({"replayed": replayed})
