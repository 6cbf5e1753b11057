"""The aiohttp application: the HTTP API, provider webhooks and health.

Handlers only record, read or enqueue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import text

from channels.twilio.client import TwilioApi
from channels.twilio.credentials import TwilioCredentials
from dispatcher.api.models.health import Health
from dispatcher.api.models.render import shown
from dispatcher.api.problems import problem_middleware
from dispatcher.api.routes import add_api
from dispatcher.process.deps import Deps
from dispatcher.web import letter_webhooks, twilio_voice, twilio_webhooks
from dispatcher.web.keys import DEPS
from dispatcher.workspace import add_workspace
from dispatcher.workspace.stats import add_statistics_page

__all__ = ["DEPS", "TWILIO_CREDENTIALS", "create_app"]

TWILIO_CREDENTIALS = web.AppKey("twilio_credentials", TwilioCredentials)
# The credentials check is one small GET; a health probe never waits longer than this.
_CREDENTIALS_TIMEOUT_S = 5.0


def create_app(deps: Deps) -> web.Application:
    # Bodies over 1 MiB are refused, except a batch's: its handler reads it with its own limit.
    app = web.Application(client_max_size=1024**2, middlewares=[problem_middleware])
    app[DEPS] = deps
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/webhooks/twilio/status/{message_id}", twilio_webhooks.message_status)
    twilio_voice.add_voice_routes(app)
    letter_webhooks.add_letter_routes(app)
    add_api(app)
    add_workspace(app)  # pages for people, on the API's stores
    add_statistics_page(app)
    if deps.settings.twilio_configured:
        app[TWILIO_CREDENTIALS] = TwilioCredentials(
            TwilioApi(
                deps.settings.twilio_account_sid,
                deps.settings.twilio_auth_token.reveal(),
                api_base_url=deps.settings.twilio_api_base_url,
                timeout_s=_CREDENTIALS_TIMEOUT_S,
            )
        )
        app.cleanup_ctx.append(_ask_twilio_at_start)
    return app


async def _ask_twilio_at_start(app: web.Application) -> AsyncIterator[None]:
    """Ask at start-up, in the background (serving never waits for Twilio): a refusal
    is in the log at once, and in /healthz."""
    credentials = app[TWILIO_CREDENTIALS]
    first = asyncio.create_task(credentials.current())
    yield
    first.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first
    await credentials.aclose()


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    checks: dict[str, str] = {}
    try:
        async with deps.log.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # health reports every failure as data
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await deps.queue.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    failing = {name for name, answer in checks.items() if answer != "ok"}
    credentials = request.app.get(TWILIO_CREDENTIALS)
    if credentials is not None:  # "unverified" (no answer either way) is not a failure
        check = await credentials.latest()
        checks["twilio"] = check.detail
        if check.refused:
            failing.add("twilio")
    healthy = not failing
    answer = Health(status="ok" if healthy else "degraded", checks=checks)
    return shown(answer, status=200 if healthy else 503)
