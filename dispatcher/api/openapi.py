"""The OpenAPI 3.1 description of the HTTP API, built here and kept as ``openapi.json``.

    python -m dispatcher.api.openapi > dispatcher/api/openapi.json

A test checks that the file is what this module builds, and schemathesis checks that the
running server answers as the file says, with every role's key.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from dispatcher.api.models import DECLARED, component_schemas
from dispatcher.contactlog.keys import Role

__all__ = ["build"]

Json = dict[str, Any]

ALL = tuple(Role)


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: str) -> Json:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def json_response(description: str, schema: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def problem(name: str) -> Json:
    return {"$ref": f"#/components/responses/{name}"}


def operation(
    summary: str,
    roles: tuple[Role, ...] | None,
    responses: Json,
    *,
    operation_id: str,
    request: str | None = None,
    parameters: list[Json] | None = None,
    errors: tuple[str, ...] = (),
) -> Json:
    """One operation; ``roles`` None means no key is needed."""
    op: Json = {"operationId": operation_id, "summary": summary}
    if roles is None:
        op["security"] = []
    else:
        op["description"] = "Roles: " + ", ".join(str(r) for r in roles) + "."
        responses = {**responses, "401": problem("Unauthorized"), "403": problem("Forbidden")}
    if parameters:
        op["parameters"] = parameters
    if request is not None:
        op["requestBody"] = body(request)
        errors = ("400", "413", "422", *errors)
    for status in errors:
        responses[status] = problem(_PROBLEMS[status])
    op["responses"] = dict(sorted(responses.items()))
    return op


_PROBLEMS = {
    "400": "Malformed",
    "404": "NotFound",
    "409": "Conflict",
    "410": "Gone",
    "413": "TooLarge",
    "422": "Invalid",
}


def query(name: str, schema: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path(name: str, schema: Json) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": schema}


TEXT100 = {"type": "string", "minLength": 1, "maxLength": 100}
TIME = {"type": "string", "format": "date-time"}
FILTERS = [
    query("debtor_ref", TEXT100, "Messages to this debtor."),
    query("account_ref", TEXT100, "Messages about this account."),
    query("status", ref("MessageStatus"), "Current status."),
    query("channel", ref("ChannelKind"), "Channel."),
    query("rule_id", TEXT100, "The rule that decided the verdict (e.g. hold.active)."),
    query("collector_id", TEXT100, "Calls placed by this collector, or visits they are on."),
    query("since", TIME, "Created at or after (with a UTC offset)."),
    query("until", TIME, "Created before (with a UTC offset)."),
    query(
        "cursor",
        {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"},
        "next_cursor of the previous page: the rows after it.",
    ),
]
ACTIVE = query("active", {"type": "boolean"}, "Only active ones.")


def paths() -> Json:
    return {
        "/v1/messages": {
            "post": operation(
                "Enqueue one message",
                (Role.STRATEGY,),
                {"202": json_response("Accepted (or already known, created=false)", "Accepted")},
                operation_id="enqueueMessage",
                request="MessageRequest",
                errors=("409",),  # the idempotency key names another request
            ),
            "get": operation(
                "List and search messages (keyset pages, oldest first)",
                (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE),
                {"200": json_response("A page", "MessagePage")},
                operation_id="listMessages",
                errors=("422",),
                parameters=[
                    *FILTERS,
                    query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 1000},
                        "Page size (default 100).",
                    ),
                ],
            ),
        },
        "/v1/messages/batch": {
            "post": operation(
                "Enqueue up to 10,000 messages, all or nothing",
                (Role.STRATEGY,),
                {"202": json_response("All accepted", "BatchAccepted")},
                operation_id="enqueueBatch",
                request="BatchRequest",
                errors=("409",),  # the idempotency key names another request
            )
        },
        "/v1/messages/{message_id}": {
            "get": operation(
                "One message with its verdict and events",
                (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE),
                {"200": json_response("The message", "Message")},
                operation_id="getMessage",
                errors=("404",),
                parameters=[path("message_id", {"type": "string"})],
            )
        },
        "/v1/messages/{message_id}/cancel": {
            "post": operation(
                "Take back a message no worker has claimed (exactly one of cancel and send wins)",
                (Role.STRATEGY, Role.ADMIN),
                {"200": json_response("What was cancelled, or too late", "CancelOutcome")},
                operation_id="cancelMessage",
                request="CancelRequest",
                errors=("404",),
                parameters=[path("message_id", {"type": "string"})],
            )
        },
        "/v1/messages/cancel": {
            "post": operation(
                "Take back every pending message of one debtor, account or campaign; a "
                "debtor's may also set a hold (paid, settled, written off, restructured)",
                (Role.STRATEGY, Role.ADMIN),
                {"200": json_response("What was cancelled, or too late", "CancelOutcome")},
                operation_id="cancelPending",
                request="CancelPendingRequest",
            )
        },
        "/v1/audit/export.csv": {
            "get": operation(
                "Export the matching messages as CSV (streamed)",
                (Role.COMPLIANCE,),
                {
                    "200": {
                        "description": "CSV, one row per message",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    }
                },
                operation_id="exportCsv",
                errors=("422",),
                parameters=FILTERS,
            )
        },
        "/v1/audit/reads": {
            "get": operation(
                "Who read whose contact log, when, with what filters (oldest first)",
                (Role.COMPLIANCE,),
                {"200": json_response("A page", "AuditReadPage")},
                operation_id="listAuditReads",
                errors=("422",),
                parameters=[
                    query("debtor_ref", TEXT100, "Reads of this debtor's records."),
                    query("reader", TEXT100, "Reads by this key (role:name)."),
                    query("cursor", {"type": "integer", "minimum": 0}, "next_cursor."),
                    query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 1000},
                        "Page size (default 100).",
                    ),
                ],
            )
        },
        "/v1/debtors/{debtor_ref}": {
            "put": operation(
                "Create or replace a debtor's contact data",
                (Role.STRATEGY, Role.COMPLIANCE),
                {"200": json_response("Stored", "Debtor")},
                operation_id="putDebtor",
                request="DebtorRequest",
                parameters=[path("debtor_ref", TEXT100)],
            )
        },
        "/v1/debtors/{debtor_ref}/preferences": {
            "get": operation(
                "A debtor's stated preferences and their log",
                (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE),
                {"200": json_response("Preferences", "DebtorPreferences")},
                operation_id="getDebtorPreferences",
                parameters=[path("debtor_ref", TEXT100)],
                errors=("422",),
            )
        },
        "/v1/debtors/{debtor_ref}/accounts/{account_ref}": {
            "put": operation(
                "Create or replace one debt of a debtor",
                (Role.STRATEGY,),
                {"200": json_response("Stored", "Account")},
                operation_id="putAccount",
                request="AccountRequest",
                parameters=[path("debtor_ref", TEXT100), path("account_ref", TEXT100)],
            )
        },
        "/v1/holds": {
            "get": operation(
                "Holds on a debtor or a destination",
                (Role.COMPLIANCE,),
                {"200": json_response("Holds", "HoldList")},
                operation_id="listHolds",
                errors=("422",),
                parameters=[
                    query("debtor_ref", TEXT100, "The debtor."),
                    query(
                        "destination",
                        {"type": "string", "minLength": 1, "maxLength": 64},
                        "A number, E.164.",
                    ),
                    ACTIVE,
                ],
            ),
            "post": operation(
                "Set a hold",
                (Role.COMPLIANCE,),
                {
                    "200": json_response("Already active", "HoldSet"),
                    "201": json_response("Set", "HoldSet"),
                },
                operation_id="setHold",
                request="HoldRequest",
            ),
        },
        "/v1/holds/lift": {
            "post": operation(
                "Lift a hold",
                (Role.COMPLIANCE,),
                {"200": json_response("Lifted", "HoldLifted")},
                operation_id="liftHold",
                request="HoldLiftRequest",
            )
        },
        "/v1/templates": {
            "get": operation(
                "The approved templates",
                ALL,
                {"200": json_response("Templates", "TemplateList")},
                operation_id="listTemplates",
            )
        },
        "/v1/templates/preview": {
            "post": operation(
                "Render a template with sample variables",
                ALL,
                {"200": json_response("The rendered text", "Preview")},
                operation_id="previewTemplate",
                request="PreviewRequest",
            )
        },
        "/v1/templates/approvals": {
            "post": operation(
                "Approve the version of a template in use, or revoke any version",
                (Role.COMPLIANCE,),
                {"201": json_response("Recorded", "ApprovalDecided")},
                operation_id="decideApproval",
                request="ApprovalRequest",
            )
        },
        "/v1/pause": {
            "post": operation(
                "Pause sending: everything, one channel or one campaign",
                (Role.ADMIN,),
                {
                    "200": json_response("Already paused", "Pause"),
                    "201": json_response("Paused", "Pause"),
                },
                operation_id="pause",
                request="PauseRequest",
            )
        },
        "/v1/resume": {
            "post": operation(
                "Lift the pauses of a scope",
                (Role.ADMIN,),
                {"200": json_response("The pauses lifted", "Resumed")},
                operation_id="resume",
                request="ResumeRequest",
            )
        },
        "/v1/pauses": {
            "get": operation(
                "Pauses, newest first",
                (Role.ADMIN, Role.COMPLIANCE),
                {"200": json_response("Pauses", "PauseList")},
                operation_id="listPauses",
                errors=("422",),
                parameters=[ACTIVE],
            )
        },
        "/v1/keys": {
            "get": operation(
                "API keys (never their secrets)",
                (Role.ADMIN,),
                {"200": json_response("Keys", "KeyList")},
                operation_id="listKeys",
            ),
            "post": operation(
                "Create a key; the secret is in this answer only",
                (Role.ADMIN,),
                {"201": json_response("Created", "CreatedKey")},
                operation_id="createKey",
                request="KeyRequest",
                errors=("409",),
            ),
        },
        "/v1/keys/{key_id}": {
            "delete": operation(
                "Revoke a key",
                (Role.ADMIN,),
                {"200": json_response("Revoked", "Key")},
                operation_id="revokeKey",
                errors=("404",),
                parameters=[path("key_id", {"type": "integer", "minimum": 1})],
            )
        },
        "/metrics": {
            "get": operation(
                "Prometheus metrics",
                None,
                {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
                operation_id="metrics",
            )
        },
        "/healthz": {
            "get": operation(
                "Database and Redis reachable?",
                None,
                {
                    "200": json_response("Healthy", "Health"),
                    "503": json_response("Degraded", "Health"),
                },
                operation_id="healthz",
            )
        },
        "/openapi.json": {
            "get": operation(
                "This document",
                None,
                {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
                operation_id="openapi",
            )
        },
        "/webhooks/twilio/inbound": {
            "post": _twilio_webhook(
                "Inbound SMS from Twilio (STOP, START, HELP)",
                "twilioInbound",
                {
                    "200": {
                        "description": "TwiML",
                        "content": {"text/xml": {"schema": {"type": "string"}}},
                    }
                },
            )
        },
        "/webhooks/twilio/status/{message_id}": {
            "post": _twilio_webhook(
                "A message status callback from Twilio",
                "twilioStatus",
                {
                    "204": {"description": "Recorded (or stale, changing nothing)"},
                    "404": _plain("Unknown message"),
                },
                parameters=[path("message_id", {"type": "string"})],
            )
        },
        "/webhooks/lob/events": {"post": _lob_webhook()},
    }


def _lob_webhook() -> Json:
    signed = ("Lob-Signature", "Lob-Signature-Timestamp")
    return {
        "operationId": "lobTrackingEvent",
        "summary": "A letter tracking event from the print-and-mail provider",
        "description": "Signed: Lob-Signature is the hex HMAC-SHA256, keyed with "
        "LOB_WEBHOOK_SECRET, of '{Lob-Signature-Timestamp}.{body}'; at most 5 minutes old.",
        "security": [],
        "parameters": [
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
            for name in signed
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "204": {"description": "Recorded (or a replay or stale, changing nothing)"},
            "400": _plain("Not a letter tracking event we know"),
            "401": _plain("Bad, missing or stale signature"),
            "404": _plain("Unknown letter"),
        },
    }


def _plain(description: str) -> Json:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _twilio_webhook(
    summary: str, operation_id: str, responses: Json, parameters: list[Json] | None = None
) -> Json:
    op: Json = {
        "operationId": operation_id,
        "summary": summary,
        "description": "Signed by Twilio (X-Twilio-Signature over PUBLIC_BASE_URL + path).",
        "security": [],
        "parameters": [
            *(parameters or []),
            {
                "name": "X-Twilio-Signature",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
        },
        "responses": {
            **responses,
            "400": _plain("A required field is missing or malformed"),
            "403": _plain("Bad or missing signature"),
        },
    }
    return op


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
            name: {
                "description": description,
                "content": {"application/problem+json": {"schema": ref("Problem")}},
                **(
                    {"headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}}
                    if name == "Unauthorized"
                    else {}
                ),
            }
            for name, description in (
                ("Malformed", "The body is not valid JSON"),
                ("Unauthorized", "No key, or an unknown or revoked one"),
                ("Forbidden", "The key's role may not do this"),
                ("NotFound", "Not found"),
                ("Conflict", "Conflict"),
                ("Gone", "No longer kept (a cursor older than what retention pruned)"),
                ("TooLarge", "Body too large, or more than 10,000 messages in a batch"),
                ("Invalid", "Invalid; nothing was written. errors[] names each field"),
            )
        },
    }


def build() -> Json:
    from dispatcher.risk_flags.openapi import RISK_FLAG_SCHEMAS, risk_flag_paths  # and these
    from dispatcher.stats.openapi import STATS_SCHEMAS, stats_paths  # it builds on this module
    from dispatcher.webhooks.openapi import EVENT_SCHEMAS, event_paths  # so does this one

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
        "paths": tagged(
            {**paths(), **work_paths(), **stats_paths(), **event_paths(), **risk_flag_paths()}
        ),
        "components": {
            **components(),
            "schemas": each_once(
                STATS_SCHEMAS,
                EVENT_SCHEMAS,
                RISK_FLAG_SCHEMAS,
                component_schemas(DECLARED),
            ),
        },
    }


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


def work_paths() -> Json:
    """Collectors (admin), calls (collectors, strategy) and visits."""
    collector = path("collector_id", TEXT100)
    message = [path("message_id", {"type": "string"})]
    return {
        "/v1/collectors": {
            "get": operation(
                "Collectors, by id",
                (Role.ADMIN,),
                {"200": json_response("Collectors", "CollectorList")},
                operation_id="listCollectors",
            )
        },
        "/v1/collectors/{collector_id}": {
            "put": operation(
                "Create or replace a collector",
                (Role.ADMIN,),
                {"200": json_response("Stored", "Collector")},
                operation_id="putCollector",
                request="CollectorRequest",
                parameters=[collector],
            ),
            "get": operation(
                "One collector",
                (Role.ADMIN,),
                {"200": json_response("The collector", "Collector")},
                operation_id="getCollector",
                errors=("404",),
                parameters=[collector],
            ),
        },
        "/v1/collectors/{collector_id}/calls": {
            "get": operation(
                "A collector's pending calls, due now or upcoming, by time (a collector: "
                "their own only)",
                (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE),
                {"200": json_response("A page", "CallPage")},
                operation_id="listCollectorCalls",
                errors=("404", "422"),
                parameters=[
                    collector,
                    query(
                        "window", {"type": "string", "enum": ["due", "upcoming"]}, "Default due."
                    ),
                    query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 500},
                        "Page size (default 50).",
                    ),
                    query("cursor", {"type": "string", "maxLength": 50}, "next_cursor."),
                ],
            )
        },
        "/v1/calls": {
            "post": operation(
                "Schedule a collector's call (a collector key: as that collector; the strategy "
                "role: for a named collector_id)",
                (Role.STRATEGY, Role.COLLECTOR),
                {"202": json_response("Accepted (or already known, created=false)", "Accepted")},
                operation_id="scheduleCall",
                request="CallRequest",
                errors=("409",),  # the idempotency key names another request
            )
        },
        "/v1/calls/{message_id}/disposition": {
            "post": operation(
                "Record what came of a placed call (once; the call's own collector)",
                (Role.COLLECTOR,),
                {"200": json_response("Recorded", "DispositionRecorded")},
                operation_id="recordDisposition",
                request="DispositionRequest",
                errors=("404", "409"),
                parameters=message,
            )
        },
        "/v1/visits": {
            "post": operation(
                "Plan an on-site visit by two or more credentialed collectors",
                (Role.STRATEGY, Role.ADMIN),
                {"202": json_response("Accepted (or already known, created=false)", "Accepted")},
                operation_id="planVisit",
                request="VisitRequest",
                errors=("409",),  # the idempotency key names another request
            )
        },
        "/v1/visits/{message_id}/outcome": {
            "post": operation(
                "Record how a visit went (once; a collector on the visit)",
                (Role.COLLECTOR,),
                {"200": json_response("Recorded", "VisitOutcome")},
                operation_id="recordVisitOutcome",
                request="VisitOutcomeRequest",
                errors=("404", "409"),
                parameters=message,
            )
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
