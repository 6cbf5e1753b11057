"""Everything a worker or server needs, built once at start-up and passed around typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis

from channels.base import Channel
from compliance import ComplianceGate, Rule
from compliance.caps import ConversationQuietPeriodRule, FrequencyCapRule
from compliance.civility import CivilityRule, CivilityScanner
from compliance.hours import ContactHoursRule
from compliance.packs import use_pack_dir
from compliance.rules import (
    CollectorCredentialRule,
    HoldsRule,
    RendersWithinLimit,
    RequiredContentRule,
    RiskFlagsRule,
)
from compliance.rules.approved import ApprovedTemplateRule
from compliance.rules.consent import AutomatedToMobileConsentRule
from compliance.rules.preferences import StatedPreferencesRule
from dispatcher.clock import Clock, SystemClock
from dispatcher.contactlog.approvals import TemplateApprovals
from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.store import ContactLog
from dispatcher.pauses.state import pause_rule
from dispatcher.sending.postgres.log import PostgresSendingLog
from dispatcher.sending.providers import build_channels
from dispatcher.sending.queue import JobQueue
from dispatcher.sending.sending_log import SendingLog
from dispatcher.settings import Settings
from templates import TemplateCatalog

__all__ = ["Deps", "default_rules"]


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    log: ContactLog
    catalog: TemplateCatalog
    gate: ComplianceGate
    queue: JobQueue
    approvals: TemplateApprovals  # refreshes the catalog's approvals from the log
    channels: dict[str, Channel] = field(default_factory=dict)
    # The pipeline's contact log: raw asyncpg on PostgreSQL, ``log`` itself on SQLite.
    sending: SendingLog | None = None

    @property
    def sending_log(self) -> SendingLog:
        return self.sending if self.sending is not None else self.log

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
        if settings.effective_database_url.startswith("postgresql"):
            engine_options.setdefault("pool_size", settings.database_pool_size)
            engine_options.setdefault("max_overflow", settings.database_pool_size)
        engine = create_engine(settings.effective_database_url, **engine_options)
        catalog = TemplateCatalog()
        log = ContactLog(engine, clock)
        return cls(
            settings=settings,
            clock=clock,
            log=log,
            catalog=catalog,
            gate=ComplianceGate(
                rules if rules is not None else default_rules(settings, catalog)
            ),
            queue=JobQueue(redis),
            approvals=TemplateApprovals(engine, clock, catalog),
            channels=channels if channels is not None else build_channels(settings),
            sending=_sending_log(settings, log, clock),
        )

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
        for rule in self.gate.rules:
            closer = getattr(rule, "aclose", None)  # rules that keep a connection (pauses)
            if closer is not None:
                await closer()
        if isinstance(self.sending, PostgresSendingLog):
            await self.sending.aclose()
        await self.log.engine.dispose()


def _sending_log(settings: Settings, log: ContactLog, clock: Clock) -> SendingLog | None:
    """PostgreSQL: the hot path's own pool, as large as the SQLAlchemy pool can grow."""
    if log.engine.dialect.name != "postgresql":
        return None
    pool: Any = log.engine.pool  # a QueuePool: pool_size + max_overflow connections at most
    max_size = pool.size() + max(0, pool._max_overflow)
    return PostgresSendingLog(
        log, clock, url=settings.effective_database_url, max_size=max_size
    )


def default_rules(settings: Settings, catalog: TemplateCatalog | None = None) -> list[Rule]:
    """Every rule, in order, reading the deployment's packs (RULE_PACKS_DIR) before ours.
    The catalog carries compliance's approvals (the register file
    merged with those given over the API), which also mark, by template name, what may go
    after a cease and what describes a lawful action."""
    use_pack_dir(settings.rule_packs_dir)  # read and checked now: a bad file stops start-up
    catalog = catalog if catalog is not None else TemplateCatalog()
    register = catalog.approvals
    return [
        RendersWithinLimit(max_sms_segments=settings.sms_max_segments),
        ApprovedTemplateRule(lambda: catalog.approvals),
        CivilityRule(
            CivilityScanner.from_lexicons(),
            lawful_action_templates=register.lawful_action_templates,
        ),
        RequiredContentRule(),
        HoldsRule(allowed_after_cease=register.allowed_after_cease),
        RiskFlagsRule(),  # seed 4: what the debtor's risk flags stop, as the packs say
        AutomatedToMobileConsentRule(),  # TCPA: automated calls to mobiles need consent
        ContactHoursRule(),
        FrequencyCapRule(),
        ConversationQuietPeriodRule(),  # Reg F: no call within 7 days after a conversation
        CollectorCredentialRule(),  # calls and visits: trained collectors, valid credentials
        StatedPreferencesRule(),  # the preferred channel and language: recorded, advisory
        pause_rule(settings),  # operations.pause: emergency stop, set with POST /v1/pause
    ]
