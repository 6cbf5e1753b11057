"""The pieces every part of the document is made of: references, bodies, answers,
parameters, one operation, and the message filters the searches share."""

from __future__ import annotations

from typing import Any

from dispatcher.contactlog.keys import Role

__all__ = [
    "ACCEPTED",
    "ACTIVE",
    "ALL_ROLES",
    "FILTERS",
    "MESSAGE_ID",
    "TEXT100",
    "TIME",
    "Json",
    "body",
    "json_response",
    "operation",
    "page_size",
    "path",
    "problem",
    "query",
    "ref",
    "text_response",
]

Json = dict[str, Any]

ALL_ROLES = tuple(Role)


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: str) -> Json:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def json_response(description: str, schema: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def text_response(description: str, media_type: str) -> Json:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


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
    answers = dict(responses)  # the caller's may be shared by several operations
    if roles is None:
        op["security"] = []
    else:
        op["description"] = "Roles: " + ", ".join(str(r) for r in roles) + "."
        answers |= {"401": problem("Unauthorized"), "403": problem("Forbidden")}
    if parameters:
        op["parameters"] = parameters
    if request is not None:
        op["requestBody"] = body(request)
        errors = ("400", "413", "422", *errors)
    for status in errors:
        answers[status] = problem(_PROBLEMS[status])
    op["responses"] = dict(sorted(answers.items()))
    return op


# An error status's answer, one of the document's components (document.components).
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


def page_size(maximum: int, default: int) -> Json:
    return query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": maximum},
        f"Page size (default {default}).",
    )


ACCEPTED = {"202": json_response("Accepted (or already known, created=false)", "Accepted")}
TEXT100 = {"type": "string", "minLength": 1, "maxLength": 100}
TIME = {"type": "string", "format": "date-time"}
MESSAGE_ID = path("message_id", {"type": "string"})
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
