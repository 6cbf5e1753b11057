"""Messages and batches: enqueue, list, read and cancel them, and the contact log's
audit (its CSV export and who read what)."""

from __future__ import annotations

from dispatcher.api.openapi.builders import (
    ACCEPTED,
    FILTERS,
    MESSAGE_ID,
    TEXT100,
    Json,
    json_response,
    operation,
    page_size,
    query,
    text_response,
)
from dispatcher.contactlog.keys import Role

__all__ = ["audit_paths", "cancel_paths", "message_paths"]

READERS = (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)


def message_paths() -> Json:
    return {
        "/v1/messages": {
            "post": operation(
                "Enqueue one message",
                (Role.STRATEGY,),
                ACCEPTED,
                operation_id="enqueueMessage",
                request="MessageRequest",
                errors=("409",),  # the idempotency key names another request
            ),
            "get": operation(
                "List and search messages (keyset pages, oldest first)",
                READERS,
                {"200": json_response("A page", "MessagePage")},
                operation_id="listMessages",
                errors=("422",),
                parameters=[*FILTERS, page_size(1000, 100)],
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
                READERS,
                {"200": json_response("The message", "Message")},
                operation_id="getMessage",
                errors=("404",),
                parameters=[MESSAGE_ID],
            )
        },
    }


def cancel_paths() -> Json:
    cancelled = {"200": json_response("What was cancelled, or too late", "CancelOutcome")}
    return {
        "/v1/messages/{message_id}/cancel": {
            "post": operation(
                "Take back a message no worker has claimed (exactly one of cancel and send wins)",
                (Role.STRATEGY, Role.ADMIN),
                cancelled,
                operation_id="cancelMessage",
                request="CancelRequest",
                errors=("404",),
                parameters=[MESSAGE_ID],
            )
        },
        "/v1/messages/cancel": {
            "post": operation(
                "Take back every pending message of one debtor, account or campaign; a "
                "debtor's may also set a hold (paid, settled, written off, restructured)",
                (Role.STRATEGY, Role.ADMIN),
                cancelled,
                operation_id="cancelPending",
                request="CancelPendingRequest",
            )
        },
    }


def audit_paths() -> Json:
    return {
        "/v1/audit/export.csv": {
            "get": operation(
                "Export the matching messages as CSV (streamed)",
                (Role.COMPLIANCE,),
                {"200": text_response("CSV, one row per message", "text/csv")},
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
                    page_size(1000, 100),
                ],
            )
        },
    }
