"""The templates catalogue, API keys, and the service's own endpoints: metrics, health
and this document. (The outbound events and subscriptions are dispatcher/webhooks/openapi.py.)"""

from __future__ import annotations

from dispatcher.api.openapi.builders import (
    ALL_ROLES,
    Json,
    json_response,
    operation,
    path,
    text_response,
)
from dispatcher.contactlog.keys import Role

__all__ = ["key_paths", "service_paths", "template_paths"]


def template_paths() -> Json:
    return {
        "/v1/templates": {
            "get": operation(
                "The approved templates",
                ALL_ROLES,
                {"200": json_response("Templates", "TemplateList")},
                operation_id="listTemplates",
            )
        },
        "/v1/templates/preview": {
            "post": operation(
                "Render a template with sample variables",
                ALL_ROLES,
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
    }


def key_paths() -> Json:
    return {
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
    }


def service_paths() -> Json:
    """Open to anyone: no key is needed."""
    return {
        "/metrics": {
            "get": operation(
                "Prometheus metrics",
                None,
                {"200": text_response("Prometheus text format", "text/plain")},
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
    }
