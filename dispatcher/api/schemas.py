"""JSON Schemas of the API's bodies not yet declared as models (``dispatcher.api.models``
derives the others): dispositions and health."""

from __future__ import annotations

from typing import Any

from dispatcher.domain import ChannelKind, Disposition
from dispatcher.i18n.locales import LOCALES
from dispatcher.preferences.fields import MAX_TIMES, PLACE_HOLDS

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

# What a debtor asked for (dispatcher/preferences): local times, places, channel, language.
HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
INCONVENIENT_TIME = {
    **obj(
        [],
        {
            "weekdays": {
                "type": "array", "minItems": 1, "maxItems": 7,
                "items": {"type": "integer", "minimum": 0, "maximum": 6},
                "description": "Monday 0 .. Sunday 6; default every day",
            },
            "start": {**HHMM, "description": "Local HH:MM; default 00:00"},
            "end": {**HHMM, "description": "Local HH:MM, exclusive; at or before start: next day"},
        },
    ),
    "minProperties": 1,
    "description": '{"end": "10:00"}: not before 10:00; {"weekdays": [5, 6]}: not at weekends',
}  # fmt: skip
PREFERENCES: Json = {
    "inconvenient_times": {
        "type": ["array", "null"], "maxItems": MAX_TIMES, "items": INCONVENIENT_TIME,
    },
    "inconvenient_places": {
        "type": ["array", "null"], "items": enum(PLACE_HOLDS),
        "description": "work: no calls or texts to numbers typed work (a no_work_contact hold)",
    },
    "preferred_channel": {**enum(ChannelKind, null=True), "description": "Advisory"},
    "preferred_locale": {
        **enum(LOCALES, null=True), "description": "Templates' locale when a request names none",
    },
}  # fmt: skip


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

# Collectors, calls and visits (dispatcher/api/collectors.py, calls.py, visits.py).
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
SCHEMAS |= {
    "DispositionRequest": obj(
        ["kind"],
        {
            "kind": enum(Disposition),
            "note": {**text(2000, nullable=True, min_length=0), "description": "Civility-checked"},
            "amount": {
                "type": ["string", "number", "null"],
                "description": "promise_to_pay: greater than 0",
            },
            "currency": {
                **text(3, nullable=True),
                "description": "promise_to_pay; default: the call's currency variable",
            },
            "date": {**DATE_OR_NULL, "description": "promise_to_pay: today or later"},
            "callback_at": {**TIME_OR_NULL, "description": "callback_requested: in the future"},
            "reminder_variables": nullable(
                "object", description="promise_to_pay: variables for the reminder text"
            ),
            "preferences": {
                **obj([], {k: v for k, v in PREFERENCES.items()}),
                "type": ["object", "null"],
                "minProperties": 1,
                "description": "What the debtor said (not for wrong_number, no_contact): "
                "added to what is on record",
            },
        },
    ),
    "DispositionRecorded": obj(
        ["message_id", "disposition", "result", "follow_ups", "holds"],
        {
            "message_id": STRING,
            "disposition": {"type": "object"},
            "result": nullable("string"),
            "follow_ups": {"type": "array", "items": ref("Accepted")},
            "holds": {"type": "array", "items": STRING},
        },
    ),
}
