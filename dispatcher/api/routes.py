"""The HTTP API's routes, mounted on the app next to the webhooks and ``/healthz``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from dispatcher.api import (
    calls,
    cancel,
    catalog,
    collectors,
    debtors,
    export,
    keys,
    messages,
    pauses,
    visits,
)
from dispatcher.api.context import API, Api
from dispatcher.api.events import add_event_routes
from dispatcher.api.inbound import inbound_sms
from dispatcher.api.metrics import metrics
from dispatcher.api.subscriptions import add_subscription_routes
from dispatcher.risk_flags.api import add_risk_flag_routes
from dispatcher.stats import api as stats
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
    route.add_post("/v1/messages/cancel", cancel.cancel_many)
    route.add_post("/v1/messages/{message_id}/cancel", cancel.cancel_one)
    route.add_get("/v1/audit/export.csv", export.export_csv)
    route.add_get("/v1/audit/reads", export.list_reads)
    route.add_put("/v1/debtors/{debtor_ref}", debtors.put_debtor)
    route.add_put("/v1/debtors/{debtor_ref}/accounts/{account_ref}", debtors.put_account)
    route.add_get("/v1/debtors/{debtor_ref}/preferences", debtors.get_preferences)
    route.add_get("/v1/holds", debtors.list_holds)
    route.add_post("/v1/holds", debtors.set_hold)
    route.add_post("/v1/holds/lift", debtors.lift_hold)
    route.add_get("/v1/templates", catalog.list_templates)
    route.add_post("/v1/templates/preview", catalog.preview_template)
    route.add_post("/v1/templates/approvals", catalog.decide_approval)
    route.add_post("/v1/pause", pauses.pause)
    route.add_post("/v1/resume", pauses.resume)
    route.add_get("/v1/pauses", pauses.list_pauses)
    route.add_get("/v1/keys", keys.list_keys)
    route.add_post("/v1/keys", keys.create_key)
    route.add_delete("/v1/keys/{key_id}", keys.revoke_key)
    route.add_get("/v1/collectors", collectors.list_collectors)
    route.add_put("/v1/collectors/{collector_id}", collectors.put_collector)
    route.add_get("/v1/collectors/{collector_id}", collectors.get_collector)
    route.add_get("/v1/collectors/{collector_id}/calls", calls.list_calls)
    route.add_post("/v1/calls", calls.schedule_call)
    route.add_post("/v1/calls/{message_id}/disposition", calls.post_disposition)
    route.add_post("/v1/visits", visits.plan_visit)
    route.add_post("/v1/visits/{message_id}/outcome", visits.visit_outcome)
    route.add_post("/v1/payments", stats.report_payment)
    route.add_put("/v1/portfolios/{portfolio}/accounts", stats.assign_portfolio)
    route.add_get("/v1/stats", stats.get_stats)
    add_event_routes(app)  # GET /v1/events, the changes feed
    add_subscription_routes(app)  # /v1/subscriptions: webhooks (admin)
    add_risk_flag_routes(app)  # /v1/debtors/{debtor_ref}/risk-flags
    route.add_get("/metrics", metrics)
    route.add_get("/openapi.json", openapi)
    route.add_post("/webhooks/twilio/inbound", inbound_sms)


async def openapi(request: web.Request) -> web.Response:
    return web.Response(
        body=OPENAPI_PATH.read_bytes(), content_type="application/json", charset="utf-8"
    )
