"""Debtors and their accounts, the do-not-contact holds on them, and pausing sending."""

from __future__ import annotations

from dispatcher.api.openapi.builders import (
    ACTIVE,
    TEXT100,
    Json,
    json_response,
    operation,
    path,
    query,
)
from dispatcher.contactlog.keys import Role

__all__ = ["debtor_paths", "hold_paths", "pause_paths"]


def debtor_paths() -> Json:
    debtor = path("debtor_ref", TEXT100)
    return {
        "/v1/debtors/{debtor_ref}": {
            "put": operation(
                "Create or replace a debtor's contact data",
                (Role.STRATEGY, Role.COMPLIANCE),
                {"200": json_response("Stored", "Debtor")},
                operation_id="putDebtor",
                request="DebtorRequest",
                parameters=[debtor],
            )
        },
        "/v1/debtors/{debtor_ref}/preferences": {
            "get": operation(
                "A debtor's stated preferences and their log",
                (Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE),
                {"200": json_response("Preferences", "DebtorPreferences")},
                operation_id="getDebtorPreferences",
                parameters=[debtor],
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
                parameters=[debtor, path("account_ref", TEXT100)],
            )
        },
    }


def hold_paths() -> Json:
    return {
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
    }


def pause_paths() -> Json:
    return {
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
    }
