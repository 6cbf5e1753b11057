"""The providers' callbacks: Twilio's inbound SMS and status callbacks, Lob's letter
tracking events. They carry no API key: each provider signs its own, so each operation
describes its signature and answers in plain text, not problem details."""

from __future__ import annotations

from dispatcher.api.openapi.builders import MESSAGE_ID, Json, text_response

__all__ = ["provider_webhook_paths"]


def provider_webhook_paths() -> Json:
    return {
        "/webhooks/twilio/inbound": {
            "post": _twilio_webhook(
                "Inbound SMS from Twilio (STOP, START, HELP)",
                "twilioInbound",
                {"200": text_response("TwiML", "text/xml")},
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
                parameters=[MESSAGE_ID],
            )
        },
        "/webhooks/lob/events": {"post": _lob_webhook()},
    }


def _twilio_webhook(
    summary: str, operation_id: str, responses: Json, parameters: list[Json] | None = None
) -> Json:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": "Signed by Twilio (X-Twilio-Signature over PUBLIC_BASE_URL + path).",
        "security": [],
        "parameters": [*(parameters or []), _header("X-Twilio-Signature")],
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


def _lob_webhook() -> Json:
    return {
        "operationId": "lobTrackingEvent",
        "summary": "A letter tracking event from the print-and-mail provider",
        "description": "Signed: Lob-Signature is the hex HMAC-SHA256, keyed with "
        "LOB_WEBHOOK_SECRET, of '{Lob-Signature-Timestamp}.{body}'; at most 5 minutes old.",
        "security": [],
        "parameters": [_header("Lob-Signature"), _header("Lob-Signature-Timestamp")],
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


def _header(name: str) -> Json:
    """A signature header: not required here, so that a missing one is the handler's answer."""
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}


def _plain(description: str) -> Json:
    return text_response(description, "text/plain")
