"""JSON Schemas of the API's bodies not yet declared as models (``dispatcher.api.models``
derives the others): health, and the helpers the rooms' hand-written tables use."""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMAS"]

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], properties: Json, *, closed: bool = True) -> Json:
    schema: Json = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def text(max_length: int, *, nullable: bool = False, min_length: int = 1) -> Json:
    return {
        "type": ["string", "null"] if nullable else "string",
        "minLength": min_length,
        "maxLength": max_length,
    }


def nullable(kind: str, **extra: Any) -> Json:
    return {"type": [kind, "null"], **extra}


def enum(values: Any, *, null: bool = False) -> Json:
    listed = [str(v) for v in values]
    return (
        {"type": ["string", "null"], "enum": [*listed, None]}
        if null
        else {"type": "string", "enum": listed}
    )


STRING = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
KEY_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"}


def items_of(name: str) -> Json:
    return obj(["items"], {"items": {"type": "array", "items": ref(name)}})


SCHEMAS: Json = {
    "Health": obj(
        ["status", "checks"],
        {
            "status": enum(["ok", "degraded"]),
            "checks": {"type": "object", "additionalProperties": STRING},
        },
    ),
}
