"""The HTTP API's routes, mounted on the app next to the webhooks and ``/healthz``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from dispatcher.api import catalog, debtors, export, keys, messages, pauses
from dispatcher.api.context import API, Api
from dispatcher.api.inbound import inbound_sms
from dispatcher.api.metrics import metrics
from dispatcher.web.keys import DEPS

__all__ = ["OPENAPI_PATH", "add_api"]

OPENAPI_PATH = Path(__file__).with_name("openapi.json")


def add_api(app: web.Application) -> None:
    """Mount ``/v1``, ``/openapi.json``, ``/metrics`` and the inbound SMS webhook."""
    app[API] = Api.build(app[DEPS])
    route = app.router
    route.add_post("/v1/messages", messages.enqueue_one)
    route.add_post("/v1/messages/batch", messages.enqueue_batch)
    route.add_get("/v1/messages", messages.list_messages)
    route.add_get("/v1/messages/{message_id}", messages.get_message)
    route.add_get("/v1/audit/export.csv", export.export_csv)
    route.add_get("/v1/audit/reads", export.list_reads)
    route.add_put("/v1/debtors/{debtor_ref}", debtors.put_debtor)
    route.add_get("/v1/holds", debtors.list_holds)
    route.add_post("/v1/holds", debtors.set_hold)
    route.add_post("/v1/holds/lift", debtors.lift_hold)
    route.add_get("/v1/templates", catalog.list_templates)
    route.add_post("/v1/templates/preview", catalog.preview_template)
    route.add_post("/v1/pause", pauses.pause)
    route.add_post("/v1/resume", pauses.resume)
    route.add_get("/v1/pauses", pauses.list_pauses)
    route.add_get("/v1/keys", keys.list_keys)
    route.add_post("/v1/keys", keys.create_key)
    route.add_delete("/v1/keys/{key_id}", keys.revoke_key)
    route.add_get("/metrics", metrics)
    route.add_get("/openapi.json", openapi)
    route.add_post("/webhooks/twilio/inbound", inbound_sms)


async def openapi(request: web.Request) -> web.Response:
    return web.Response(
        body=OPENAPI_PATH.read_bytes(), content_type="application/json", charset="utf-8"
    )
