"""The outbound events' endpoints in the OpenAPI document (merged by dispatcher/api/openapi.py):
the changes feed and the webhook subscriptions."""

from __future__ import annotations

from typing import Any

from dispatcher.api.events import MAX_WAIT_S
from dispatcher.api.openapi import json_response, operation, path, query
from dispatcher.api.schemas import KEY_NAME, TIME, TIME_OR_NULL, items_of, nullable, obj, text
from dispatcher.api.subscriptions import DAY_S, MAX_AFTER, ROLES, URL_PATTERN
from dispatcher.contactlog.keys import Role
from dispatcher.events.kinds import EVENT_TYPES
from dispatcher.webhooks.deliveries import STATES

__all__ = ["EVENT_SCHEMAS", "event_paths"]

Json = dict[str, Any]

INTEGER = {"type": "integer"}
URL = {"type": "string", "maxLength": 2000, "pattern": f"^{URL_PATTERN}$"}
SECRET = {"type": "string", "maxLength": 200, "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$"}
TYPES = {
    "type": "array",
    "minItems": 1,
    "maxItems": len(EVENT_TYPES) + 1,
    "items": {"type": "string", "enum": [*EVENT_TYPES, "*"]},
    "description": 'Event types to receive; ["*"] for all',
}
ROLE = {"type": "string", "enum": list(ROLES), "description": "strategy: personal data masked"}
SUBSCRIPTION_FIELDS: Json = {
    "id": INTEGER,
    "name": KEY_NAME,
    "url": {"type": "string"},
    "event_types": {"type": "array", "items": {"type": "string"}},
    "role": ROLE,
    "active": {"type": "boolean"},
    "created_at": TIME,
    "created_by": {"type": "string"},
    "updated_at": TIME,
    "secrets": {
        "type": "array",
        "items": obj(
            ["prefix", "created_at", "expires_at"],
            {"prefix": {"type": "string"}, "created_at": TIME, "expires_at": TIME_OR_NULL},
        ),
    },
}

EVENT_SCHEMAS: Json = {
    "Event": obj(
        ["id", "type", "timestamp", "data", "cursor"],
        {
            "id": {"type": "string", "description": "Stable: the same event, the same id"},
            "type": {"type": "string", "enum": list(EVENT_TYPES)},
            "timestamp": TIME,
            "data": {"type": "object"},
            "cursor": {"type": "string", "description": "Read on after this event with it"},
        },
    ),
    "EventPage": obj(
        ["items", "next_cursor"],
        {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
            "next_cursor": {"type": "string"},
        },
    ),
    "SubscriptionRequest": obj(
        ["name", "url", "event_types"],
        {
            "name": KEY_NAME,
            "url": URL,
            "event_types": TYPES,
            "role": {**ROLE, "type": ["string", "null"], "enum": [*ROLES, None]},
            "secret": {**SECRET, "type": ["string", "null"]},
        },
    ),
    "SubscriptionChange": obj(
        [],
        {
            "url": {**URL, "type": ["string", "null"]},
            "event_types": {**TYPES, "type": ["array", "null"]},
            "role": {**ROLE, "type": ["string", "null"], "enum": [*ROLES, None]},
            "active": nullable("boolean"),
        },
    ),
    "SecretRotation": obj(
        [],
        {
            "secret": {**SECRET, "type": ["string", "null"]},
            "keep_old_for_s": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": 7 * DAY_S,
                "description": "How long the older secrets still sign (default a day)",
            },
        },
    ),
    "Subscription": obj(
        list(SUBSCRIPTION_FIELDS),
        {
            **SUBSCRIPTION_FIELDS,
            "secret": {"type": "string", "description": "Only in the answer that made it"},
            "deliveries": obj(list(STATES), {s: INTEGER for s in STATES}),
        },
    ),
    "SubscriptionList": items_of("Subscription"),
    "Replay": obj(
        [],
        {
            "delivery_ids": {
                "type": ["array", "null"],
                "minItems": 1,
                "maxItems": 1000,
                "items": {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
                "description": "These dead letters (default: every one)",
            }
        },
    ),
    "Replayed": obj(["replayed"], {"replayed": INTEGER}),
    "Delivery": obj(
        [
            "id",
            "event_id",
            "type",
            "state",
            "attempts",
            "next_attempt_at",
            "first_attempt_at",
            "last_attempt_at",
            "last_status",
            "last_error",
            "done_at",
        ],
        {
            "id": INTEGER,
            "event_id": {"type": "string"},
            "type": {"type": "string"},
            "state": {"type": "string", "enum": list(STATES)},
            "attempts": INTEGER,
            "next_attempt_at": TIME_OR_NULL,
            "first_attempt_at": TIME_OR_NULL,
            "last_attempt_at": TIME_OR_NULL,
            "last_status": nullable("integer"),
            "last_error": nullable("string"),
            "done_at": TIME_OR_NULL,
        },
    ),
    "Attempt": obj(
        ["id", "delivery_id", "event_id", "attempt", "at", "status", "error", "duration_ms"],
        {
            "id": INTEGER,
            "delivery_id": INTEGER,
            "event_id": {"type": "string"},
            "attempt": INTEGER,
            "at": TIME,
            "status": nullable("integer"),
            "error": nullable("string"),
            "duration_ms": INTEGER,
        },
    ),
}
for _name in ("Delivery", "Attempt"):
    EVENT_SCHEMAS[f"{_name}Page"] = obj(
        ["items", "next_after"],
        {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{_name}"}},
            "next_after": INTEGER,
        },
    )

ADMIN = (Role.ADMIN,)
PAGE = [
    query(
        "after",
        {"type": "integer", "minimum": 0, "maximum": MAX_AFTER},
        "next_after of the previous page.",
    ),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size (default 100)."),
]


def event_paths() -> Json:
    one = [path("subscription_id", {"type": "integer", "minimum": 1})]
    return {
        "/v1/events": {
            "get": operation(
                "The changes feed: events after a cursor, oldest first (long-poll with wait)",
                (Role.STRATEGY, Role.COMPLIANCE),
                {"200": json_response("A page; next_cursor to ask again with", "EventPage")},
                operation_id="listEvents",
                errors=("422",),
                parameters=[
                    query(
                        "after", text(64), "next_cursor of a previous page (none: from the start)."
                    ),
                    query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 1000},
                        "Page size (default 100).",
                    ),
                    query(
                        "wait",
                        {"type": "integer", "minimum": 0, "maximum": MAX_WAIT_S},
                        "Seconds to hold an empty answer open for the next event (default 0).",
                    ),
                ],
            )
        },
        "/v1/subscriptions": {
            "get": operation(
                "Webhook subscriptions (secrets shown by their first letters)",
                ADMIN,
                {"200": json_response("Subscriptions", "SubscriptionList")},
                operation_id="listSubscriptions",
            ),
            "post": operation(
                "Subscribe a system to events; the secret is in this answer only",
                ADMIN,
                {"201": json_response("Created", "Subscription")},
                operation_id="createSubscription",
                request="SubscriptionRequest",
                errors=("409",),
            ),
        },
        "/v1/subscriptions/{subscription_id}": {
            "get": operation(
                "One subscription, with its deliveries counted by state",
                ADMIN,
                {"200": json_response("The subscription", "Subscription")},
                operation_id="getSubscription",
                errors=("404",),
                parameters=one,
            ),
            "patch": operation(
                "Change a subscription's URL, event types, role, or pause it (active)",
                ADMIN,
                {"200": json_response("Changed", "Subscription")},
                operation_id="changeSubscription",
                request="SubscriptionChange",
                errors=("404",),
                parameters=one,
            ),
        },
        "/v1/subscriptions/{subscription_id}/secrets": {
            "post": operation(
                "Rotate the secret: a new one signs at once, the older ones until they expire",
                ADMIN,
                {
                    "201": json_response(
                        "Rotated; the new secret is in this answer only", "Subscription"
                    )
                },
                operation_id="rotateSecret",
                request="SecretRotation",
                errors=("404",),
                parameters=one,
            )
        },
        "/v1/subscriptions/{subscription_id}/deliveries": {
            "get": operation(
                "Deliveries (dead letters with state=dead), oldest first",
                ADMIN,
                {"200": json_response("A page", "DeliveryPage")},
                operation_id="listDeliveries",
                errors=("404", "422"),
                parameters=[
                    *one,
                    query("state", {"type": "string", "enum": list(STATES)}, "Only these."),
                    *PAGE,
                ],
            )
        },
        "/v1/subscriptions/{subscription_id}/attempts": {
            "get": operation(
                "Delivery attempts, oldest first: when, the answer's status or the error",
                ADMIN,
                {"200": json_response("A page", "AttemptPage")},
                operation_id="listAttempts",
                errors=("404", "422"),
                parameters=[*one, *PAGE],
            )
        },
        "/v1/subscriptions/{subscription_id}/replay": {
            "post": operation(
                "Send dead letters again (all, or the ones named), with a new retry window",
                ADMIN,
                {"200": json_response("How many", "Replayed")},
                operation_id="replayDeadLetters",
                request="Replay",
                errors=("404",),
                parameters=one,
            )
        },
    }
