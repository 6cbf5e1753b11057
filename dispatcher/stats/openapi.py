"""The statistics endpoints in the OpenAPI document (merged by dispatcher/api/openapi.py)."""

from __future__ import annotations

from typing import Any

from dispatcher.api.openapi import json_response, operation, path, query
from dispatcher.api.schemas import obj, text
from dispatcher.contactlog.keys import Role

__all__ = ["STATS_SCHEMAS", "stats_paths"]

Json = dict[str, Any]

NULLABLE_TEXT = {"type": ["string", "null"]}
COUNT = {"type": "integer"}
RATE = {"type": ["string", "null"], "description": "A decimal fraction, e.g. 0.1250"}
DAY = {"type": "string", "format": "date"}
LISTED: Json = {"type": "array", "items": {"type": "object"}}

STATS_SCHEMAS: Json = {
    "PaymentRequest": obj(
        ["payment_id", "debtor_ref", "account_ref", "amount", "currency", "paid_at"],
        {
            "payment_id": {
                **text(100),
                "description": "The finance system's id: a repeat is a no-op",
            },
            "debtor_ref": text(100),
            "account_ref": text(100),
            "amount": {
                "type": "string",
                "pattern": "^[0-9]{1,16}(\\.[0-9]{1,3})?$",
                "description": "Exact decimal, no more places than the currency has",
            },
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"},
            "paid_at": {"type": "string", "format": "date-time"},
        },
    ),
    "Payment": obj(
        [
            "payment_id",
            "debtor_ref",
            "account_ref",
            "amount",
            "paid_at",
            "paid_on",
            "portfolio",
            "attribution",
            "replayed",
        ],
        {
            "payment_id": text(100),
            "debtor_ref": text(100),
            "account_ref": text(100),
            "amount": obj(
                ["value", "currency"], {"value": {"type": "string"}, "currency": {"type": "string"}}
            ),
            "paid_at": {"type": "string", "format": "date-time"},
            "paid_on": DAY,
            "portfolio": NULLABLE_TEXT,
            "attribution": obj(
                ["kind", "message_id", "collector_id", "channel"],
                {
                    "kind": {
                        "type": "string",
                        "enum": ["promise", "conversation", "contact", "none"],
                    },
                    "message_id": NULLABLE_TEXT,
                    "collector_id": NULLABLE_TEXT,
                    "channel": NULLABLE_TEXT,
                },
            ),
            "replayed": {"type": "boolean"},
        },
    ),
    "PortfolioRequest": obj(
        ["accounts"],
        {
            "accounts": {
                "type": "array",
                "minItems": 1,
                "maxItems": 10_000,
                "items": obj(
                    ["debtor_ref", "account_ref"],
                    {"debtor_ref": text(100), "account_ref": text(100)},
                ),
            }
        },
    ),
    "PortfolioAssigned": obj(
        ["portfolio", "accounts"], {"portfolio": text(100), "accounts": COUNT}
    ),
    "Stats": obj(
        [
            "period",
            "filters",
            "contacts_by_day",
            "collectors",
            "refusals_by_rule",
            "deferrals_by_rule",
            "caps_reached",
            "attempts",
            "attempts_outside_hours",
            "opt_outs",
            "complaints",
            "letters_returned",
            "payments",
            "promises",
            "success_rate",
            "overdue_rate",
        ],
        {
            "period": obj(["from", "to"], {"from": DAY, "to": DAY}),
            "filters": {"type": "object"},
            "contacts_by_day": LISTED,
            "collectors": LISTED,
            "refusals_by_rule": LISTED,
            "deferrals_by_rule": LISTED,
            "caps_reached": COUNT,
            "attempts": COUNT,
            "attempts_outside_hours": {**COUNT, "description": "Must be 0: a real check"},
            "opt_outs": COUNT,
            "complaints": COUNT,
            "letters_returned": COUNT,
            "payments": LISTED,
            "promises": obj(
                ["made", "kept", "open", "kept_rate"],
                {"made": COUNT, "kept": COUNT, "open": COUNT, "kept_rate": RATE},
            ),
            "success_rate": RATE,
            "overdue_rate": {"type": ["array", "null"], "items": {"type": "object"}},
        },
    ),
}


def stats_paths() -> Json:
    text100 = text(100)
    return {
        "/v1/payments": {
            "post": operation(
                "Report a payment (idempotent by payment_id); it is attributed to the "
                "contact before it",
                (Role.STRATEGY, Role.ADMIN),
                {
                    "200": json_response("Reported before: the stored payment", "Payment"),
                    "201": json_response("Recorded", "Payment"),
                },
                operation_id="reportPayment",
                request="PaymentRequest",
                errors=("409",),
            )
        },
        "/v1/portfolios/{portfolio}/accounts": {
            "put": operation(
                "Put accounts in a portfolio",
                (Role.STRATEGY, Role.ADMIN),
                {"200": json_response("Assigned", "PortfolioAssigned")},
                operation_id="assignPortfolio",
                request="PortfolioRequest",
                parameters=[path("portfolio", text100)],
            )
        },
        "/v1/stats": {
            "get": operation(
                "Statistics for a period (local days), team, portfolio, collector",
                (Role.COMPLIANCE, Role.ADMIN, Role.STRATEGY),
                {"200": json_response("Figures", "Stats")},
                operation_id="getStats",
                errors=("422",),
                parameters=[
                    query("from", DAY, "First day (default: 29 days before to)."),
                    query("to", DAY, "Last day, included (default: today)."),
                    query("team", text100, "Only this team's collectors."),
                    query("portfolio", text100, "Only this portfolio's accounts."),
                    query("collector", text100, "Only this collector."),
                ],
            )
        },
    }
