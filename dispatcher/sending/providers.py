"""Which provider carries each channel, from the settings.

Real providers where configured; otherwise a local outbox per channel, which says so
(provider "outbox"). Providers' packages are imported only when chosen.
"""

from __future__ import annotations

from channels.base import Channel
from channels.outbox import OutboxChannel
from dispatcher.domain import ChannelKind
from dispatcher.errors import InvalidRequest
from dispatcher.settings import Settings

__all__ = ["build_channels"]


def build_channels(settings: Settings) -> dict[str, Channel]:
    """Real providers where configured; otherwise a local outbox per channel, which says so."""
    sms = _sms_channel(settings)
    return {
        ChannelKind.SMS: sms,
        ChannelKind.VOICE: _voice_channel(settings),
        ChannelKind.LETTER: _letter_channel(settings),
        ChannelKind.VISIT: _visit_channel(settings, sms),
    }


def _sms_channel(settings: Settings) -> Channel:
    if not settings.twilio_configured:
        return OutboxChannel(settings.data_dir / "outbox.jsonl")
    from channels.twilio import TwilioSmsChannel

    return TwilioSmsChannel(
        settings.twilio_account_sid,
        settings.twilio_auth_token.reveal(),
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        api_base_url=settings.twilio_api_base_url,
        timeout_s=settings.twilio_timeout_s,
    )


def _voice_channel(settings: Settings) -> Channel:
    if not settings.twilio_configured:
        return OutboxChannel(settings.data_dir / "outbox-voice.jsonl")
    from channels.twilio import TwilioVoiceChannel

    return TwilioVoiceChannel(
        settings.twilio_account_sid,
        settings.twilio_auth_token.reveal(),
        from_number=settings.twilio_from_number,
        caller_id=settings.twilio_caller_id,
        record_calls=settings.record_calls,
        api_base_url=settings.twilio_api_base_url,
        timeout_s=settings.twilio_timeout_s,
    )


def _letter_channel(settings: Settings) -> Channel:
    """LETTER_PROVIDER: "outbox" (a local file), "lob" (print and mail) or "print_room"."""
    provider = settings.letter_provider
    if provider == "outbox":
        return OutboxChannel(settings.data_dir / "outbox-letter.jsonl")
    if provider not in ("lob", "print_room"):
        raise InvalidRequest.of("LETTER_PROVIDER", f"{provider!r}: use outbox, lob or print_room")
    from channels.letters import LobStyleLetters, PrintRoomBatch
    from channels.letters.channel import LetterMailChannel

    if provider == "print_room":
        root = settings.print_room_dir or settings.data_dir / "print-room"
        return LetterMailChannel(PrintRoomBatch(root), font_dirs=settings.letter_font_dirs)
    if not settings.lob_api_key:
        raise InvalidRequest.of("LOB_API_KEY", "must be set when LETTER_PROVIDER is lob")
    # The provider prints the address over the top of page 1: the window is left blank.
    lob = LobStyleLetters(settings.lob_api_key.reveal(), base_url=settings.lob_api_base_url)
    return LetterMailChannel(lob, address_block=False, font_dirs=settings.letter_font_dirs)


def _visit_channel(settings: Settings, sms: Channel) -> Channel:
    # A visit's "send" texts its notice to each collector, through the SMS channel.
    from channels.visit import VisitNoticeChannel

    return VisitNoticeChannel(sms)
