"""The outbound events' endpoints in the OpenAPI document: the changes feed and the webhook
subscriptions (merged by dispatcher/api/openapi/document.py)."""

from __future__ import annotations

from typing import Any

from dispatcher.api.events import MAX_WAIT_S
from dispatcher.api.models.schema import component_schemas
from dispatcher.api.openapi import json_response, operation, page_size, path, query, ref
from dispatcher.api.subscriptions import MAX_AFTER
from dispatcher.contactlog.keys import Role
from dispatcher.webhooks.bodies import BODIES

__all__ = ["EVENT_SCHEMAS", "event_paths"]

Json = dict[str, Any]

# Declared once as models (bodies.py); their schemas are derived from them.
EVENT_SCHEMAS: Json = component_schemas(BODIES)

ADMIN = (Role.ADMIN,)
SUBSCRIPTION = [path("subscription_id", {"type": "integer", "minimum": 1})]
PAGE = [
    query(
        "after",
        {"type": "integer", "minimum": 0, "maximum": MAX_AFTER},
        "next_after of the previous page.",
    ),
    page_size(1000, 100),
]


def event_paths() -> Json:
    return {**feed_paths(), **subscription_paths(), **delivery_paths()}


def feed_paths() -> Json:
    return {
        "/v1/events": {
            "get": operation(
                "The changes feed: events after a cursor, oldest first (long-poll with wait)",
                (Role.STRATEGY, Role.COMPLIANCE),
                {"200": json_response("A page; next_cursor to ask again with", "EventPage")},
                operation_id="listEvents",
                errors=("410", "422"),
                parameters=[
                    query(
                        "after",
                        {"type": "string", "minLength": 1, "maxLength": 64},
                        "next_cursor of a previous page (none: from the start).",
                    ),
                    page_size(1000, 100),
                    query(
                        "wait",
                        {"type": "integer", "minimum": 0, "maximum": MAX_WAIT_S},
                        "Seconds to hold an empty answer open for the next event (default 0).",
                    ),
                ],
            )
        },
    }


def subscription_paths() -> Json:
    return {
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
                parameters=SUBSCRIPTION,
            ),
            "patch": operation(
                "Change a subscription's URL, event types, role, or pause it (active)",
                ADMIN,
                {"200": json_response("Changed", "Subscription")},
                operation_id="changeSubscription",
                request="SubscriptionChange",
                errors=("404",),
                parameters=SUBSCRIPTION,
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
                parameters=SUBSCRIPTION,
            )
        },
    }


def delivery_paths() -> Json:
    """A subscription's deliveries, their attempts, and sending its dead letters again."""
    return {
        "/v1/subscriptions/{subscription_id}/deliveries": {
            "get": operation(
                "Deliveries (dead letters with state=dead), oldest first",
                ADMIN,
                {"200": json_response("A page", "DeliveryPage")},
                operation_id="listDeliveries",
                errors=("404", "422"),
                parameters=[
                    *SUBSCRIPTION,
                    query("state", ref("DeliveryState"), "Only these."),
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
                parameters=[*SUBSCRIPTION, *PAGE],
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
                parameters=SUBSCRIPTION,
            )
        },
    }
