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

from typing import Any

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import Query, read_body
from dispatcher.api.context import Api
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.webhooks.bodies import (
    DAY_S,
    AttemptPage,
    DeliveryPage,
    Replay,
    Replayed,
    SecretRotation,
    Subscription,
    SubscriptionChange,
    SubscriptionList,
    SubscriptionRequest,
    SubscriptionRole,
)
from dispatcher.webhooks.deliveries import STATES, counts, list_attempts, list_deliveries, replay
from dispatcher.webhooks.subscriptions import NameTaken, SubscriptionStore

__all__ = ["MAX_AFTER", "add_subscription_routes"]

MAX_ID = 2**53
MAX_AFTER = 9_999_999_999  # ten digits: what a query parameter may hold


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
    found = await _store(api).get(sub_id) if 0 < sub_id < MAX_ID else None
    if found is None:
        raise _unknown(raw)
    return sub_id, found


def _unknown(subscription_id: object) -> Problem:
    return Problem(
        404, f"no subscription with id {subscription_id!r}", code="unknown_subscription",
        params={"subscription_id": repr(subscription_id)},
    )  # fmt: skip


def _listed(event_types: list[str]) -> list[str]:
    return sorted(set(event_types))


@allow(Role.ADMIN)
async def create_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    wanted = await read_body(request, SubscriptionRequest)
    try:
        made, secret = await _store(api).create(
            name=wanted.name, url=wanted.url, event_types=_listed(wanted.event_types),
            role=str(wanted.role or SubscriptionRole.STRATEGY), secret=wanted.secret,
            by=key.label,
        )  # fmt: skip
    except NameTaken as exc:
        raise Problem(
            409, str(exc), code="subscription_name_taken", params={"name": repr(wanted.name)}
        ) from None
    return shown(Subscription.model_validate({**made, "secret": secret}), status=201)


@allow(Role.ADMIN)
async def list_subscriptions(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    return shown(SubscriptionList.model_validate({"items": await _store(api).list()}))


@allow(Role.ADMIN)
async def get_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    sub_id, found = await _found(request, api)
    counted = await counts(api.deps.log.engine, sub_id)
    return shown(Subscription.model_validate({**found, "deliveries": counted}))


@allow(Role.ADMIN)
async def change_subscription(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    wanted = await read_body(request, SubscriptionChange)
    changes = wanted.model_dump(mode="json", exclude_none=True)
    if "event_types" in changes:
        changes["event_types"] = _listed(changes["event_types"])
    sub_id, _ = await _found(request, api)
    changed = await _store(api).update(sub_id, changes)
    if changed is None:
        raise _unknown(sub_id)
    return shown(Subscription.model_validate(changed))


@allow(Role.ADMIN)
async def rotate_secret(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    rotation = await read_body(request, SecretRotation)
    sub_id, _ = await _found(request, api)
    keep = DAY_S if rotation.keep_old_for_s is None else rotation.keep_old_for_s
    rotated = await _store(api).rotate(sub_id, secret=rotation.secret, keep_old_for_s=keep)
    if rotated is None:
        raise _unknown(sub_id)
    made, secret = rotated
    return shown(Subscription.model_validate({**made, "secret": secret}), status=201)


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
    page = {"items": items, "next_after": items[-1]["id"] if items else after}
    return shown(DeliveryPage.model_validate(page))


@allow(Role.ADMIN)
async def attempts(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    after = query.integer("after", default=0, minimum=0, maximum=MAX_AFTER)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    query.finish()
    sub_id, _ = await _found(request, api)
    items = await list_attempts(api.deps.log.engine, sub_id, after=after, limit=limit)
    page = {"items": items, "next_after": items[-1]["id"] if items else after}
    return shown(AttemptPage.model_validate(page))


@allow(Role.ADMIN)
async def replay_dead(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    wanted = await read_body(request, Replay)
    sub_id, _ = await _found(request, api)
    ids = wanted.delivery_ids
    replayed = await replay(api.deps.log.engine, sub_id, ids, now=api.deps.clock.now())
    return shown(Replayed(replayed=replayed))
