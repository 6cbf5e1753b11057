"""From a claimed contact-log row to what a channel adapter is handed.

Each channel needs a different part of the row: a call its collector, an automated
reminder its voicemail version, a letter or a visit its address. That selection is
here, in one place, so the pipeline stays the same for every channel.
"""

from __future__ import annotations

from datetime import datetime

from channels.base import OutgoingMessage
from dispatcher.contactlog.collectors import contact_of
from dispatcher.contactlog.models import Collector, Message
from dispatcher.debtors.addresses import postal_address
from dispatcher.domain import ChannelKind
from dispatcher.settings import Settings
from templates import Rendered, TemplateCatalog, TemplateError

__all__ = [
    "VOICEMAIL_SUFFIX",
    "outgoing_for",
    "visit_time",
    "voicemail_body",
]

# An automated voice reminder's answering-machine version: "<name>.voicemail" beside it.
VOICEMAIL_SUFFIX = ".voicemail"


def outgoing_for(
    message: Message,
    rendered: Rendered,
    *,
    collectors: dict[str, Collector],
    provider: str,
    settings: Settings,
    catalog: TemplateCatalog,
) -> OutgoingMessage:
    named = [collectors[c] for c in message.collector_ids or () if c in collectors]
    voicemail = None
    if message.channel == ChannelKind.VOICE and not named:
        voicemail = voicemail_body(message, catalog)
    return OutgoingMessage(
        message_id=message.id,
        destination=message.destination,
        body=rendered.body,
        status_callback_url=(
            settings.voice_callback_base(message.id)
            if message.channel == ChannelKind.VOICE
            else settings.status_callback_url(provider, message.id)
        ),
        locale=message.locale,
        template_name=message.template_name,
        collectors=tuple(contact_of(c) for c in named),
        voicemail_body=voicemail,
        address=postal_address(message.address) if message.address else None,
        visit_at=visit_time(message),
    )


def visit_time(message: Message) -> datetime | None:
    """When a visit happens (its ``visit_at``, checked at enqueue); None for other channels."""
    if message.channel != ChannelKind.VISIT:
        return None
    return datetime.fromisoformat(str(message.variables["visit_at"]))


def voicemail_body(message: Message, catalog: TemplateCatalog) -> str | None:
    """The limited-content version left on an answering machine, if the template has one."""
    try:
        return catalog.render(
            message.channel,
            message.template_name + VOICEMAIL_SUFFIX,
            message.locale,
            message.variables,
        ).body
    except TemplateError:
        return None
