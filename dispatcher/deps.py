"""Everything a worker or server needs, built once at start-up and passed around typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis

from channels.base import Channel
from channels.outbox import OutboxChannel
from compliance import ComplianceGate, Rule
from compliance.caps import FrequencyCapRule
from compliance.civility import CivilityRule, CivilityScanner
from compliance.hours import ContactHoursRule
from compliance.rules import HoldsRule, RendersWithinLimit, RequiredContentRule
from dispatcher.api.pausestate import pause_rule
from dispatcher.clock import Clock, SystemClock
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.store import ContactLog
from dispatcher.domain import ChannelKind
from dispatcher.queue import JobQueue
from dispatcher.settings import Settings
from templates import TemplateCatalog

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
        return cls(
            settings=settings,
            clock=clock,
            log=ContactLog(engine, clock),
            catalog=TemplateCatalog(),
            gate=ComplianceGate(rules if rules is not None else default_rules(settings)),
            queue=JobQueue(redis),
            channels=channels if channels is not None else build_channels(settings),
        )

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
        await self.log.engine.dispose()


def default_rules(settings: Settings) -> list[Rule]:
    return [
        RendersWithinLimit(max_sms_segments=settings.sms_max_segments),
        CivilityRule(CivilityScanner.from_lexicons()),
        RequiredContentRule(),
        HoldsRule(),
        ContactHoursRule(),
        FrequencyCapRule(),
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
    return OutboxChannel(settings.data_dir / "outbox-voice.jsonl")


def _letter_channel(settings: Settings) -> Channel:
    return OutboxChannel(settings.data_dir / "outbox-letter.jsonl")


def _visit_channel(settings: Settings, sms: Channel) -> Channel:
    return OutboxChannel(settings.data_dir / "outbox-visit.jsonl")
