"""The statistics endpoints in the OpenAPI document (merged by dispatcher/api/openapi/)."""

from __future__ import annotations

from typing import Any

from dispatcher.api.models.schema import component_schemas
from dispatcher.api.openapi import TEXT100, json_response, operation, path, query
from dispatcher.contactlog.keys import Role
from dispatcher.stats.bodies import BODIES

__all__ = ["STATS_SCHEMAS", "stats_paths"]

Json = dict[str, Any]

DAY = {"type": "string", "format": "date"}

# Declared once as models (bodies.py); their schemas are derived from them.
STATS_SCHEMAS: Json = component_schemas(BODIES)


def stats_paths() -> Json:
    text100 = TEXT100
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
