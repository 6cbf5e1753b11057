"""The whole document: the feature groups' paths in order, each tagged, the shared
components, and the schemas declared by the models."""

from __future__ import annotations

import json
from collections.abc import Callable

from dispatcher.api.models import DECLARED, component_schemas
from dispatcher.api.openapi.builders import Json, ref
from dispatcher.api.openapi.collectors import work_paths
from dispatcher.api.openapi.debtors import debtor_paths, hold_paths, pause_paths
from dispatcher.api.openapi.messages import audit_paths, cancel_paths, message_paths
from dispatcher.api.openapi.providers import provider_webhook_paths
from dispatcher.api.openapi.service import key_paths, service_paths, template_paths

__all__ = ["TAGS", "build", "components", "each_once", "paths", "render", "schemas", "tagged"]

# This package's paths, in the document's order (``paths`` adds the other features').
PATH_GROUPS: tuple[Callable[[], Json], ...] = (
    message_paths,
    cancel_paths,
    audit_paths,
    debtor_paths,
    hold_paths,
    template_paths,
    pause_paths,
    key_paths,
    service_paths,
    provider_webhook_paths,
    work_paths,
)


def build() -> Json:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Collections communication dispatcher",
            "version": "1",
            "description": "Enqueue messages, search and export the contact log, set holds, "
            "pause sending. Errors are RFC 9457 problem details. Collectors schedule calls, "
            "record dispositions and visit outcomes: a collector key acts as the collector "
            "whose collector_id is the key's name.",
        },
        "security": [{"bearer": []}],
        "tags": [
            {"name": name, "description": about} for name, about in dict.fromkeys(TAGS.values())
        ],
        "paths": tagged(paths()),
        "components": {**components(), "schemas": schemas()},
    }


# Stats, outbound events and risk flags describe their own endpoints with this package's
# builders: they are imported when the document is built, as importing them here would
# be a cycle.


def paths() -> Json:
    """Every path, in the document's order."""
    from dispatcher.risk_flags.openapi import risk_flag_paths
    from dispatcher.stats.openapi import stats_paths
    from dispatcher.webhooks.openapi import event_paths

    merged: Json = {}
    for group in (*PATH_GROUPS, stats_paths, event_paths, risk_flag_paths):
        merged |= group()
    return merged


def schemas() -> Json:
    """The models' schemas and those the features declare for their own bodies."""
    from dispatcher.risk_flags.openapi import RISK_FLAG_SCHEMAS
    from dispatcher.stats.openapi import STATS_SCHEMAS
    from dispatcher.webhooks.openapi import EVENT_SCHEMAS

    return each_once(STATS_SCHEMAS, EVENT_SCHEMAS, RISK_FLAG_SCHEMAS, component_schemas(DECLARED))


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


# Each operation's tag, by the start of its path (the longest that matches).
TAGS = {
    "/v1/messages": ("messages", "Enqueue, read, search and cancel messages"),
    "/v1/calls": ("calls", "Collectors' calls and what came of them"),
    "/v1/collectors": ("collectors", "Collectors, their credentials and their calls"),
    "/v1/visits": ("visits", "On-site visits and their outcomes"),
    "/v1/debtors": ("debtors", "Debtors' records, accounts, preferences and risk flags"),
    "/v1/holds": ("holds", "Do-not-contact holds"),
    "/v1/pause": ("pauses", "Pausing and resuming sending"),
    "/v1/pauses": ("pauses", "Pausing and resuming sending"),
    "/v1/resume": ("pauses", "Pausing and resuming sending"),
    "/v1/templates": ("templates", "Templates, previews and compliance approvals"),
    "/v1/keys": ("keys", "API keys"),
    "/v1/audit": ("audit", "Who read what, and the contact log's export"),
    "/v1/events": ("events", "Outbound events: the changes feed and webhook subscriptions"),
    "/v1/subscriptions": ("events", "Outbound events: the changes feed and webhook subscriptions"),
    "/v1/stats": ("stats", "Outcomes and recovery, by portfolio"),
    "/v1/payments": ("stats", "Outcomes and recovery, by portfolio"),
    "/v1/portfolios": ("stats", "Outcomes and recovery, by portfolio"),
    "/webhooks": ("provider webhooks", "Callbacks from Twilio and Lob, signed by them"),
    "/": ("service", "Health, metrics and this document"),
}


def tagged(paths: Json) -> Json:
    """Every operation with the tag of its path (``TAGS``)."""
    for where, item in paths.items():
        prefix = max(
            (p for p in TAGS if where == p or where.startswith(p.rstrip("/") + "/")), key=len
        )
        for op in item.values():
            op["tags"] = [TAGS[prefix][0]]
    return paths


def each_once(*tables: Json) -> Json:
    """The schemas of every table; a name in two would silently describe one of them."""
    merged: Json = {}
    for table in tables:
        twice = set(merged) & set(table)
        if twice:
            raise ValueError(f"schemas declared twice: {', '.join(sorted(twice))}")
        merged |= table
    return merged


PROBLEM_ANSWERS = (
    ("Malformed", "The body is not valid JSON"),
    ("Unauthorized", "No key, or an unknown or revoked one"),
    ("Forbidden", "The key's role may not do this"),
    ("NotFound", "Not found"),
    ("Conflict", "Conflict"),
    ("Gone", "No longer kept (a cursor older than what retention pruned)"),
    ("TooLarge", "Body too large, or more than 10,000 messages in a batch"),
    ("Invalid", "Invalid; nothing was written. errors[] names each field"),
)


def components() -> Json:
    """The security scheme and the problem answers; the schemas are the models' (build)."""
    return {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key: Bearer dsp_...",
            }
        },
        "responses": {
            name: _problem_answer(name, description) for name, description in PROBLEM_ANSWERS
        },
    }


def _problem_answer(name: str, description: str) -> Json:
    answer: Json = {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }
    if name == "Unauthorized":  # says which scheme to authenticate with (RFC 9110)
        answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return answer
