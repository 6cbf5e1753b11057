"""Everything a worker or server needs, built once at start-up and passed around typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis

from channels.base import Channel
from channels.outbox import OutboxChannel
from compliance import ComplianceGate, Rule
from compliance.caps import ConversationQuietPeriodRule, FrequencyCapRule
from compliance.civility import CivilityRule, CivilityScanner
from compliance.hours import ContactHoursRule
from compliance.rules import (
    CollectorCredentialRule,
    HoldsRule,
    RendersWithinLimit,
    RequiredContentRule,
)
from compliance.rules.approved import ApprovedTemplateRule
from dispatcher.api.pausestate import pause_rule
from dispatcher.clock import Clock, SystemClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import ChannelKind
from dispatcher.queue import JobQueue
from dispatcher.settings import Settings
from templates import TemplateCatalog
from templates.approvals import ApprovalRegister

__all__ = ["Deps", "build_channels", "default_rules"]


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    log: ContactLog
    catalog: TemplateCatalog
    gate: ComplianceGate
    queue: JobQueue
    channels: dict[str, Channel] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        redis: ArqRedis,
        clock: Clock | None = None,
        channels: dict[str, Channel] | None = None,
        rules: list[Rule] | None = None,
        **engine_options: Any,
    ) -> Deps:
        clock = clock or SystemClock()
        engine = create_engine(settings.effective_database_url, **engine_options)
        catalog = TemplateCatalog()
        return cls(
            settings=settings,
            clock=clock,
            log=ContactLog(engine, clock),
            catalog=catalog,
            gate=ComplianceGate(
                rules if rules is not None else default_rules(settings, catalog.approvals)
            ),
            queue=JobQueue(redis),
            channels=channels if channels is not None else build_channels(settings),
        )

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
        await self.log.engine.dispose()


def default_rules(settings: Settings, approvals: ApprovalRegister | None = None) -> list[Rule]:
    """Every rule, in order. ``approvals``: compliance's register (default: the shipped one),
    which also marks the templates allowed after a cease or describing a lawful action."""
    register = approvals if approvals is not None else ApprovalRegister.load()
    return [
        RendersWithinLimit(max_sms_segments=settings.sms_max_segments),
        ApprovedTemplateRule(register),
        CivilityRule(
            CivilityScanner.from_lexicons(),
            lawful_action_templates=register.lawful_action_templates,
        ),
        RequiredContentRule(),
        HoldsRule(allowed_after_cease=register.allowed_after_cease),
        ContactHoursRule(),
        FrequencyCapRule(),
        ConversationQuietPeriodRule(),  # Reg F: no call within 7 days after a conversation
        CollectorCredentialRule(),  # calls and visits: trained collectors, valid credentials
        pause_rule(settings),  # operations.pause: emergency stop, set with POST /v1/pause
    ]


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
    )


def _letter_channel(settings: Settings) -> Channel:
    """LETTER_PROVIDER: "outbox" (a local file), "lob" (print and mail) or "print_room"."""
    provider = settings.letter_provider
    if provider == "outbox":
        return OutboxChannel(settings.data_dir / "outbox-letter.jsonl")
    from dispatcher.errors import InvalidRequest

    if provider not in ("lob", "print_room"):
        raise InvalidRequest.of("LETTER_PROVIDER", f"{provider!r}: use outbox, lob or print_room")
    from channels.letters import LobStyleLetters, PrintRoomBatch
    from channels.letters.channel import LetterMailChannel

    if provider == "print_room":
        root = settings.print_room_dir or settings.data_dir / "print-room"
        return LetterMailChannel(PrintRoomBatch(root))
    if not settings.lob_api_key:
        raise InvalidRequest.of("LOB_API_KEY", "must be set when LETTER_PROVIDER is lob")
    # The provider prints the address over the top of page 1: the window is left blank.
    lob = LobStyleLetters(settings.lob_api_key.reveal(), base_url=settings.lob_api_base_url)
    return LetterMailChannel(lob, address_block=False)


def _visit_channel(settings: Settings, sms: Channel) -> Channel:
    # A visit's "send" texts its notice to each collector, through the SMS channel.
    from channels.visit import VisitNoticeChannel

    return VisitNoticeChannel(sms)
