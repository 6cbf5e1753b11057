"""The risk flags' endpoints in the OpenAPI document (merged by dispatcher/api/openapi/)."""

from __future__ import annotations

from typing import Any

from dispatcher.api.models.schema import component_schemas
from dispatcher.api.openapi import json_response, operation, path
from dispatcher.contactlog.keys import Role
from dispatcher.risk_flags.bodies import BODIES

__all__ = ["RISK_FLAG_SCHEMAS", "risk_flag_paths"]

Json = dict[str, Any]

# Declared once as models (bodies.py); their schemas are derived from them.
RISK_FLAG_SCHEMAS: Json = component_schemas(BODIES)


def risk_flag_paths() -> Json:
    debtor = path("debtor_ref", {"type": "string", "minLength": 1, "maxLength": 100})
    flag = path("flag", {"type": "string"})
    changed = {
        "200": json_response("It was so already: nothing written", "RiskFlagChanged"),
        "201": json_response("Written", "RiskFlagChanged"),
    }
    base = "/v1/debtors/{debtor_ref}/risk-flags"
    return {
        base: {
            "get": operation(
                "A debtor's risk flags as they stand, and every change (the read is logged)",
                (Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN),
                {"200": json_response("The flags", "RiskFlags")},
                operation_id="getRiskFlags",
                errors=("422",),
                parameters=[debtor],
            )
        },
        base + "/{flag}": {
            "put": operation(
                "Set a risk flag with a reason (the packs say what it stops)",
                (Role.COLLECTOR, Role.COMPLIANCE),
                changed,
                operation_id="setRiskFlag",
                request="RiskFlagChange",
                errors=("404",),
                parameters=[debtor, flag],
            )
        },
        base + "/{flag}/clear": {
            "post": operation(
                "Clear a risk flag with a reason",
                (Role.COMPLIANCE,),
                {"201": json_response("Cleared", "RiskFlagChanged")},
                operation_id="clearRiskFlag",
                request="RiskFlagChange",
                errors=("404", "409"),
                parameters=[debtor, flag],
            )
        },
        base + "/{flag}/review": {
            "post": operation(
                "Record a supervisor's review of a flag (contact resumes where the packs ask "
                "for one)",
                (Role.COMPLIANCE, Role.ADMIN),
                changed,
                operation_id="reviewRiskFlag",
                request="RiskFlagChange",
                errors=("404", "409"),
                parameters=[debtor, flag],
            )
        },
    }
