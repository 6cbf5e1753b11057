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

**Once, and in order.** Twilio may deliver one message more than once (its retries, a
replayed request). Each message is recorded by its ``MessageSid`` in ``inbound_messages``
in the same transaction as the hold it sets or lifts (``contactlog/inbound.py``), so:

- a message whose sid was already recorded is never applied again: a replayed START does
  not lift a STOP, a replayed STOP does not add a second hold. It is answered as the first
  time (200, the same TwiML), counted on its row (``replays``) and logged;
- a START lifts only opt-outs recorded before it arrived: a STOP recorded after the
  START's first arrival (its transaction waited, say) stays;
- replies from one number are applied one at a time (a PostgreSQL advisory lock on the
  number; SQLite has one writer), so the last to arrive has the last word.

What cannot be done: Twilio's webhook carries no timestamp, and ``MessageSid`` is not
ordered, so a message Twilio first delivers late (a START sent before a STOP but first
arriving after it) is applied in the order it arrived. Telling that apart would take
asking Twilio for the message's ``date_created``; nothing here guesses. A request refused
before its transaction committed (database down: 5xx) left no row, so Twilio's retry of
it is its first arrival. A signed request without a ``MessageSid`` is refused (400).
"""

from __future__ import annotations

import logging
import os
import unicodedata
from datetime import datetime
from xml.sax.saxutils import escape

from aiohttp import web

from channels.twilio import signature_is_valid
from dispatcher.api.context import API
from dispatcher.contactlog.inbound import Applied, InboundReply, apply_reply
from dispatcher.debtors.phones import e164
from dispatcher.errors import InvalidRequest

__all__ = ["HELP_WORDS", "START_WORDS", "STOP_WORDS", "inbound_sms", "keyword"]

log = logging.getLogger(__name__)

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "opt out",
     "退订", "td", "t"}
)  # fmt: skip
START_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
_KINDS = {
    **dict.fromkeys(STOP_WORDS, "STOP"),
    **dict.fromkeys(START_WORDS, "START"),
    **dict.fromkeys(HELP_WORDS, "HELP"),
}
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
    received_at = api.deps.clock.now()  # before anything waits: a START's place in line
    settings = api.deps.settings
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = settings.public_base_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature")
    if not signature_is_valid(settings.twilio_auth_token.reveal(), url, form, signature):
        log.warning("rejected an inbound SMS webhook with a bad or missing signature")
        raise web.HTTPForbidden(text="invalid signature")
    reply = _reply(form, received_at)
    applied = await apply_reply(api.deps.log.engine, reply, now=api.deps.clock.now())
    _log(reply, applied)
    if applied.keyword == "HELP":
        return _twiml(os.environ.get("COMPANY_HELP_TEXT") or DEFAULT_HELP_TEXT)
    return _twiml()


def _reply(form: dict[str, str], received_at: datetime) -> InboundReply:
    sender, body, sid = form.get("From", ""), form.get("Body", ""), form.get("MessageSid", "")
    if not sender:
        raise web.HTTPBadRequest(text="From is missing")
    if not sid:
        raise web.HTTPBadRequest(text="MessageSid is missing")
    word = keyword(body)
    kind = _KINDS.get(word)
    return InboundReply(
        message_sid=_printable(sid)[:64],
        sender=_number(sender),
        recipient=_printable(form.get("To"))[:64],
        keyword=kind,
        word=word[:32] if kind else None,
        received_at=received_at,
        reason=f"replied {_printable(body)!r} ({_printable(sid)})",
    )


def _log(reply: InboundReply, applied: Applied) -> None:
    if not applied.replay:
        log.info("inbound SMS %s (%s): %s %s", reply.message_sid, reply.keyword or "no keyword",
                 applied.applied, applied.hold_ids)  # fmt: skip
    elif applied.keyword != reply.keyword:
        log.warning("inbound SMS %s arrived again with another keyword (%s, first %s); "
                    "only the first was applied", reply.message_sid, reply.keyword,
                    applied.keyword)  # fmt: skip
    else:
        log.info("inbound SMS %s replayed: already applied at %s (%s); nothing changed",
                 reply.message_sid, applied.received_at.isoformat(), applied.applied)  # fmt: skip


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
