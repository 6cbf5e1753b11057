"""Twilio's voice callbacks and TwiML fetches, each verified by ``X-Twilio-Signature`` first.

Under ``/webhooks/twilio/voice/{message_id}`` (the base ``Settings.voice_callback_base``):

    POST status/{leg}   a leg's progress (leg: collector, debtor)         -> 204
    POST recording      a bridge's recording is ready                      -> 204
    POST dial           <Dial> action: the dial to the debtor ended        -> TwiML (hang up)
    POST twiml          an automated reminder was answered: what to say    -> TwiML
    POST notice         a bridge's debtor answered: the recording notice   -> TwiML

As for SMS status callbacks (``twilio_webhooks``), the signature is checked against the
public URL rebuilt from ``PUBLIC_BASE_URL``; unsigned or forged requests get 403 and
nothing is written.

What an answered reminder says depends on machine detection's ``AnsweredBy``:

    human                          the full reminder (the message's rendered content)
    machine_end_* / unknown / none the voicemail version: limited content, safe to leave
                                   on a machine or with whoever else picked up
    machine_start, fax             nothing: the greeting is still playing / nobody listens
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from channels.twilio import signature_is_valid
from channels.twilio.call_status import (
    CallLeg,
    CallProgress,
    is_machine,
    parse_call_status,
    parse_dial_action,
    parse_leg,
    parse_recording,
)
from channels.twilio.twiml import hangup_twiml, notice_twiml, reminder_twiml
from dispatcher.calls_and_visits.call_outcomes import apply_call_progress, apply_machine_detection
from dispatcher.contactlog.models import Message
from dispatcher.errors import UnknownMessage
from dispatcher.process.deps import Deps
from dispatcher.sending.outgoing import voicemail_body
from dispatcher.web.keys import DEPS

__all__ = ["add_voice_routes", "reminder_text"]

log = logging.getLogger(__name__)

BASE_PATH = "/webhooks/twilio/voice/{message_id}"
_TWIML = "application/xml"


def add_voice_routes(app: web.Application) -> None:
    app.router.add_post(f"{BASE_PATH}/status/{{leg}}", leg_status)
    app.router.add_post(f"{BASE_PATH}/recording", recording)
    app.router.add_post(f"{BASE_PATH}/dial", dial_ended)
    app.router.add_post(f"{BASE_PATH}/twiml", reminder)
    app.router.add_post(f"{BASE_PATH}/notice", notice)


async def leg_status(request: web.Request) -> web.Response:
    leg = request.match_info["leg"]
    await _record(request, lambda form: parse_call_status(form, parse_leg(leg)))
    return web.Response(status=204)


async def recording(request: web.Request) -> web.Response:
    await _record(request, parse_recording)
    return web.Response(status=204)


async def dial_ended(request: web.Request) -> web.Response:
    await _record(request, parse_dial_action)
    # The collector's leg continues with this TwiML once the bridge ends: hang it up.
    return _twiml(hangup_twiml())


async def reminder(request: web.Request) -> web.Response:
    form = await _verified_form(request)
    deps = request.app[DEPS]
    message = await _answered(request, deps, form)
    full = message.content or ""
    text = reminder_text(form.get("AnsweredBy"), full, voicemail_body(message, deps.catalog))
    return _twiml(reminder_twiml(text, message.locale) if text else hangup_twiml())


async def notice(request: web.Request) -> web.Response:
    form = await _verified_form(request)
    deps = request.app[DEPS]
    message = await _answered(request, deps, form)
    if is_machine(form.get("AnsweredBy")) or not message.content:
        # Collectors do not talk to answering machines: voicemails are left by the
        # automated reminder, in its limited-content version. The dial ends here.
        return _twiml(hangup_twiml())
    return _twiml(notice_twiml(message.content, message.locale))


def reminder_text(answered_by: str | None, full: str, voicemail: str | None) -> str | None:
    """What an answered automated reminder says, given machine detection's answer."""
    who = (answered_by or "unknown").strip().lower()
    if who == "human":
        return full or None
    if who.startswith("machine_start") or who.startswith("fax"):
        return None
    return voicemail  # machine_end_*, unknown: the limited-content version, or nothing


async def _verified_form(request: web.Request) -> dict[str, str]:
    settings = request.app[DEPS].settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = settings.public_base_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature")
    if not signature_is_valid(settings.twilio_auth_token.reveal(), url, form, signature):
        log.warning("rejected a Twilio voice callback with a bad or missing signature")
        raise web.HTTPForbidden(text="invalid signature")
    return form


async def _record(
    request: web.Request, parse: Callable[[dict[str, str]], CallProgress]
) -> None:
    """A signed callback, read and recorded: 403 unsigned, 400 unreadable, 404 unknown."""
    form = await _verified_form(request)
    try:
        progress = parse(form)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    try:
        await apply_call_progress(
            request.app[DEPS].log, request.match_info["message_id"], progress, form
        )
    except UnknownMessage:
        raise web.HTTPNotFound(text="unknown message") from None


async def _answered(request: web.Request, deps: Deps, form: dict[str, str]) -> Message:
    """The message whose debtor just answered; who answered is recorded."""
    message_id = request.match_info["message_id"]
    try:
        message = await deps.log.get(message_id)
        if form.get("CallSid"):
            await apply_machine_detection(
                deps.log, message_id, leg=CallLeg.DEBTOR, call_sid=form["CallSid"],
                answered_by=form.get("AnsweredBy") or None,
            )  # fmt: skip
    except UnknownMessage:
        raise web.HTTPNotFound(text="unknown message") from None
    return message


def _twiml(xml: str) -> web.Response:
    return web.Response(text=xml, content_type=_TWIML)
