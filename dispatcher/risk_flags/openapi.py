"""The risk flags' endpoints in the OpenAPI document (merged by dispatcher/api/openapi.py)."""

from __future__ import annotations

from typing import Any

from compliance.packs import RISK_FLAGS
from dispatcher.api.openapi import json_response, operation, path
from dispatcher.api.schemas import enum, obj, text
from dispatcher.contactlog.keys import Role

__all__ = ["RISK_FLAG_SCHEMAS", "risk_flag_paths"]

Json = dict[str, Any]

TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
FLAG = enum(RISK_FLAGS)
_STATE = obj(
    ["flag", "set_at", "set_by", "reason", "reviewed_at", "reviewed_by"],
    {
        "flag": FLAG, "set_at": TIME, "set_by": {"type": "string"}, "reason": {"type": "string"},
        "reviewed_at": {**TIME_OR_NULL, "description": "A supervisor's review since it was set"},
        "reviewed_by": {"type": ["string", "null"]},
    },
)  # fmt: skip
_FLAGS = {"type": "array", "items": {"$ref": "#/components/schemas/RiskFlag"}}

RISK_FLAG_SCHEMAS: Json = {
    "RiskFlag": _STATE,
    "RiskFlagEvent": obj(
        ["id", "flag", "action", "reason", "actor", "actor_role", "at"],
        {
            "id": {"type": "integer"},
            "flag": FLAG,
            "action": enum(["set", "cleared", "reviewed"]),
            "reason": {"type": "string"},
            "actor": {"type": "string"},
            "actor_role": {"type": "string"},
            "at": TIME,
        },
    ),
    "RiskFlags": obj(
        ["debtor_ref", "flags", "history"],
        {
            "debtor_ref": {"type": "string"},
            "flags": _FLAGS,
            "history": {"type": "array", "items": {"$ref": "#/components/schemas/RiskFlagEvent"}},
        },
    ),
    "RiskFlagChange": obj(["reason"], {"reason": text(2000)}),
    "RiskFlagChanged": obj(
        ["debtor_ref", "changed", "flag", "flags"],
        {
            "debtor_ref": {"type": "string"},
            "changed": {"type": "boolean", "description": "false: it was so already"},
            "flag": {"oneOf": [{"$ref": "#/components/schemas/RiskFlag"}, {"type": "null"}]},
            "flags": _FLAGS,
        },
    ),
}


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
