"""Twilio's inbound SMS webhook: STOP sets an opt-out hold on the number, START lifts it,
HELP answers with the company's contact line.

Verified by ``X-Twilio-Signature`` first, exactly like the status callbacks (the URL is
rebuilt from ``PUBLIC_BASE_URL``); a bad or missing signature gets 403 and nothing is
recorded. A reply is read NFKC-normalised, case-folded, with whitespace collapsed and
surrounding punctuation dropped, so "ＳＴＯＰ", " stop. " and "Opt  Out" all count.
The hold is on the destination (any debtor texting from that number), channel sms,
``source="inbound:STOP"``; the pipeline checks holds just before each send, so texts
already queued to that number are blocked too. START lifts every active sms opt-out on
the number, whoever set it: the debtor's latest word counts.

The HELP answer is ``COMPANY_HELP_TEXT`` from the environment (read on each request),
or a generic line.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from xml.sax.saxutils import escape

from aiohttp import web

from channels.twilio import signature_is_valid
from dispatcher.api.context import API
from dispatcher.domain import ChannelKind
from dispatcher.errors import InvalidRequest
from dispatcher.phones import e164

__all__ = ["HELP_WORDS", "START_WORDS", "STOP_WORDS", "inbound_sms", "keyword"]

log = logging.getLogger(__name__)

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "opt out",
     "退订", "td", "t"}
)  # fmt: skip
START_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
DEFAULT_HELP_TEXT = (
    "This number sends account reminders. For help, call the number in your last letter "
    "or message. Reply STOP to stop texts."
)
_PUNCTUATION = " .,!?;:'\"。，！？；：、"


def keyword(body: str) -> str:
    """The reply as it is matched: NFKC, case-folded, whitespace collapsed, trimmed."""
    text = " ".join(unicodedata.normalize("NFKC", body).casefold().split())
    return text.strip(_PUNCTUATION)


async def inbound_sms(request: web.Request) -> web.Response:
    api = request.app[API]
    settings = api.deps.settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = settings.public_base_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature")
    if not signature_is_valid(settings.twilio_auth_token.reveal(), url, form, signature):
        log.warning("rejected an inbound SMS webhook with a bad or missing signature")
        raise web.HTTPForbidden(text="invalid signature")
    sender, body = form.get("From", ""), form.get("Body", "")
    if not sender:
        raise web.HTTPBadRequest(text="From is missing")
    number = _number(sender)
    word = keyword(body)
    contact_log = api.deps.log
    if word in STOP_WORDS:
        await contact_log.add_hold(
            kind="opt_out", channel=ChannelKind.SMS, destination=number,
            set_by="inbound-sms", source="inbound:STOP",
            reason=f"replied {_printable(body)!r} ({_printable(form.get('MessageSid'))})",
        )  # fmt: skip
        return _twiml()
    if word in START_WORDS:
        holds = await api.audit.holds(debtor_ref=None, destination=number, active_only=True)
        opted_out = {h.debtor_ref for h in holds if h.kind == "opt_out" and h.channel == "sms"}
        for debtor_ref in opted_out:
            await contact_log.lift_hold(
                kind="opt_out", channel=ChannelKind.SMS, destination=number,
                debtor_ref=debtor_ref, lifted_by="inbound-sms:START",
            )  # fmt: skip
        return _twiml()
    if word in HELP_WORDS:
        return _twiml(os.environ.get("COMPANY_HELP_TEXT") or DEFAULT_HELP_TEXT)
    return _twiml()


def _printable(text: str | None) -> str:
    return "".join(c for c in (text or "?").strip()[:100] if c.isprintable())


def _number(sender: str) -> str:
    try:
        return e164(sender)
    except InvalidRequest:
        return _printable(sender)[:64]  # a short code or a sender name: kept as it came


def _twiml(message: str | None = None) -> web.Response:
    inner = f"<Message>{escape(message)}</Message>" if message else ""
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>',
        content_type="text/xml",
    )
