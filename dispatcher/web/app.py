"""The aiohttp application: the HTTP API, provider webhooks and health.

Handlers only record, read or enqueue.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from dispatcher.api.problems import problem_middleware
from dispatcher.api.routes import add_api
from dispatcher.deps import Deps
from dispatcher.web import letter_webhooks, twilio_voice, twilio_webhooks
from dispatcher.web.keys import DEPS

__all__ = ["DEPS", "create_app"]


def create_app(deps: Deps) -> web.Application:
    # Bodies over 1 MiB are refused, except a batch's: its handler reads it with its own limit.
    app = web.Application(client_max_size=1024**2, middlewares=[problem_middleware])
    app[DEPS] = deps
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/webhooks/twilio/status/{message_id}", twilio_webhooks.message_status)
    twilio_voice.add_voice_routes(app)
    letter_webhooks.add_letter_routes(app)
    add_api(app)
    return app


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
    healthy = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )
