"""Twilio's message status callbacks, verified by ``X-Twilio-Signature`` before anything else.

The signature covers the exact public URL Twilio called, so it is rebuilt from
``PUBLIC_BASE_URL`` rather than from what a proxy passed on. An unsigned or wrongly
signed request gets 403 and nothing of its body is logged.
"""

from __future__ import annotations

import logging

from aiohttp import web

from channels.twilio import parse_status_callback, signature_is_valid
from dispatcher.errors import UnknownMessage
from dispatcher.sending.outcomes import apply_provider_status
from dispatcher.web.keys import DEPS

__all__ = ["message_status"]

log = logging.getLogger(__name__)


async def message_status(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    settings = deps.settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = settings.public_base_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature")
    if not signature_is_valid(settings.twilio_auth_token.reveal(), url, form, signature):
        log.warning("rejected a Twilio status callback with a bad or missing signature")
        raise web.HTTPForbidden(text="invalid signature")
    try:
        update = parse_status_callback(form)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    try:
        await apply_provider_status(
            deps.log,
            request.match_info["message_id"],
            provider="twilio",
            provider_message_id=update.provider_message_id,
            status=update.status,
            raw_status=update.raw_status,
            error_code=update.error_code,
        )
    except UnknownMessage:
        raise web.HTTPNotFound(text="unknown message") from None
    return web.Response(status=204)
