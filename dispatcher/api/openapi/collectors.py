"""Collectors' work: the collectors themselves (admin), the calls they place and the
on-site visits they go on."""

from __future__ import annotations

from dispatcher.api.openapi.builders import (
    ACCEPTED,
    MESSAGE_ID,
    TEXT100,
    Json,
    json_response,
    operation,
    page_size,
    path,
    query,
)
from dispatcher.contactlog.keys import Role

__all__ = ["call_paths", "collector_paths", "visit_paths", "work_paths"]


def work_paths() -> Json:
    """Collectors (admin), calls (collectors, strategy) and visits."""
    return {**collector_paths(), **call_paths(), **visit_paths()}


def collector_paths() -> Json:
    collector = path("collector_id", TEXT100)
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
                    page_size(500, 50),
                    query("cursor", {"type": "string", "maxLength": 50}, "next_cursor."),
                ],
            )
        },
    }


def call_paths() -> Json:
    return {
        "/v1/calls": {
            "post": operation(
                "Schedule a collector's call (a collector key: as that collector; the strategy "
                "role: for a named collector_id)",
                (Role.STRATEGY, Role.COLLECTOR),
                ACCEPTED,
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
                parameters=[MESSAGE_ID],
            )
        },
    }


def visit_paths() -> Json:
    return {
        "/v1/visits": {
            "post": operation(
                "Plan an on-site visit by two or more credentialed collectors",
                (Role.STRATEGY, Role.ADMIN),
                ACCEPTED,
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
                parameters=[MESSAGE_ID],
            )
        },
    }
