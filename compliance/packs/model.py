"""What a rule pack holds, as typed values: one dataclass per kind of rule.

The vocabularies below (channels, counted events, exemptions) are the words pack files
may use; the loader refuses anything else, so a typo cannot silently weaken a rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from compliance.citations import Translations

__all__ = [
    "CHANNELS",
    "DEBTOR_LOCAL",
    "EVENTS",
    "EXEMPTIONS",
    "HOLD_KINDS",
    "PHONE_TYPES",
    "RISK_EFFECTS",
    "RISK_FLAGS",
    "CapRule",
    "CapWindow",
    "ConsentRule",
    "ContentRule",
    "HoldRule",
    "HoursRule",
    "HoursWindow",
    "NumberKind",
    "Pack",
    "PackRule",
    "QuietPeriodRule",
    "RecordsRule",
    "RiskFlagRule",
    "Scope",
    "StaffingRule",
    "Status",
]

# The channels a rule can name. "sms" is the dispatcher's ChannelKind.SMS; the others are
# named now so that packs can already say whether a rule covers them.
CHANNELS = frozenset({"voice", "sms", "email", "letter", "visit"})

# What can be counted toward a cap or start a quiet period. Each call attempt has exactly
# one outcome (answered .. failed); "call.conversation" is recorded in addition to
# "call.answered" when the collector actually talked with the debtor about the debt.
EVENTS: dict[str, str] = {
    "call.answered": "a person picked up",
    "call.unanswered": "it rang and nobody answered",
    "call.voicemail": "it reached voicemail or an answering machine",
    "call.busy": "the line was busy",
    "call.unconnected": "it did not connect (number not in service, network error)",
    "call.failed": "our provider never placed it",
    "call.conversation": "the collector talked with the debtor (an effective conversation)",
    "call.robot_answered": "a person listened to an automated voice reminder",
    "sms.sent": "a text message was sent",
    "email.sent": "an email was sent",
}

# Circumstances under which an otherwise counted event does not count.
EXEMPTIONS: dict[str, str] = {
    "consumer_consent_7_days": (
        "calls placed within 7 days after the consumer's direct consent to be called"
    ),
    "debtor_agreed": "attempts the debtor agreed to (e.g. a callback the debtor asked for)",
}

# How a debtor's record types a phone number (``Debtor.phones[].type``).
PHONE_TYPES = ("mobile", "home", "work", "other")

# ``time_zone = "debtor"`` in a pack: the debtor's local time (every zone indicated).
DEBTOR_LOCAL = "debtor"

# The holds that stop contact (``hold.active``); packs cite the law or policy behind each.
HOLD_KINDS: dict[str, str] = {
    "opt_out": "the debtor asked us to stop this channel or number",
    "cease": "the debtor asked us to stop communicating",
    "dispute": "the debtor disputes the debt",
    "attorney": "the debtor is represented by an attorney",
    "bankruptcy": "the debtor is in bankruptcy",
    "deceased": "the debtor has died",
    "do_not_visit": "no visits (risk: violent resistance)",
    "no_work_contact": "no contact at work",
    "wrong_number": "the number is not the debtor's",
    "bad_address": "mail came back: the address is wrong",
    "paid": "the debt is paid",
    "settled": "the debt is settled",
    "written_off": "the debt is written off",
    "restructured": "the debt is restructured",
}

# The seed's risk flags (section 4) a collector or compliance sets on a debtor.
RISK_FLAGS: dict[str, str] = {
    "complaint": "the debtor complained",
    "vulnerable": "a vulnerable customer (illness, old age, hardship)",
    "litigation": "the debt is in litigation",
    "media_attention": "media or regulator attention",
    "deceased": "the debtor is reported deceased",
    "fraud_suspected": "fraud suspected (identity theft, a malicious default)",
}

# What a pack's ``[[risk_flags]]`` rule does to the contacts on its ``channels``.
RISK_EFFECTS: dict[str, str] = {
    "block": "no contact while the flag is set",
    "supervisor_review": "no contact until a supervisor has reviewed the flag since it was set",
}


class Status(enum.StrEnum):
    """How the rule's numbers were checked (RULES.md)."""

    VERIFIED = "V"  # word for word in the primary text
    SECONDARY = "S"  # from a secondary source: a configurable default, not settled law
    POLICY = "policy"  # company policy: authoritative because we set it

    @property
    def is_configurable_default(self) -> bool:
        return self is Status.SECONDARY


class Scope(enum.StrEnum):
    """What a cap or quiet period counts per."""

    DEBTOR = "debtor"  # all of one debtor's debts, channels and numbers together
    DEBT = "debt"  # one debt (account)
    PHONE_NUMBER = "phone_number"  # one destination number
    CHANNEL = "channel"  # one debtor on one channel


class CapWindow(enum.StrEnum):
    """How a cap reads "N days" (RULES.md, "How windows are read").

    ``rolling`` (the default): N × 24 hours of elapsed time before now, whatever the
    clocks do (DST); a slot frees when the oldest counted contact is a full period old.
    It never allows what the calendar reading forbids. ``calendar_days``: the local
    calendar day of now and the N-1 before it; a slot frees at a local midnight. A pack
    chooses it only with a citation for that reading (``window_citation``)."""

    ROLLING = "rolling"
    CALENDAR_DAYS = "calendar_days"


class NumberKind(enum.StrEnum):
    """Which destination numbers a cap covers (Massachusetts treats them differently)."""

    ANY = "any"
    PERSONAL = "personal"  # residence, mobile, or a number the debtor gave as personal
    OTHER = "other"  # any other number (e.g. work)


@dataclass(frozen=True)
class HoursWindow:
    """Local wall-clock hours, half-open: ``start <= t < end``, on the same day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("an hours window is local wall-clock time: no tzinfo")
        if not self.start < self.end:
            raise ValueError(
                f"an hours window must start before it ends (got {self.start}-{self.end})"
            )

    def contains(self, wall: time) -> bool:
        return self.start <= wall < self.end

    def __str__(self) -> str:
        return f"[{self.start:%H:%M}, {self.end:%H:%M})"


@dataclass(frozen=True, kw_only=True)
class PackRule:
    """What every rule in a pack carries."""

    pack: str
    id: str
    title: str
    citation: str  # in English: what every verdict records as its ``citation``
    status: Status
    source: str | None  # required for S rules: where the number came from
    note: str | None
    channels: tuple[str, ...]  # the contacts the rule applies to
    citations: Translations = ()  # the same sources named in other languages (citation_zh-CN)

    @property
    def ref(self) -> str:
        return f"{self.pack}:{self.id}"


@dataclass(frozen=True, kw_only=True)
class HoursRule(PackRule):
    window: HoursWindow
    time_zone: str | None  # an IANA zone fixed by the pack, or None: the debtor's local time
    agreed_times_override: bool  # a time the debtor agreed to may fall outside the window


@dataclass(frozen=True, kw_only=True)
class CapRule(PackRule):
    limit: int  # at most this many counted events ...
    period_days: int  # ... in any period of this many days (read as ``window`` says)
    scope: Scope
    counts: frozenset[str]  # events that count toward the limit
    not_counted: frozenset[str]  # events named as not counting (documentation)
    numbers: NumberKind
    time_zone: str | None  # whose calendar days; None: the debtor's
    exemptions: frozenset[str]
    window: CapWindow = CapWindow.ROLLING
    window_citation: str | None = None  # why a pack reads calendar days (required then)
    window_citations: Translations = ()  # the same in other languages (window_citation_zh-CN)


@dataclass(frozen=True, kw_only=True)
class QuietPeriodRule(PackRule):
    after: str  # the event that starts the quiet period
    days: int
    event_day_is_day_one: bool  # the day of the event is day 1 of ``days``
    scope: Scope
    time_zone: str | None
    exemptions: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class ContentRule(PackRule):
    must_contain: tuple[str, ...]  # literal phrases every message must include
    required_elements: tuple[str, ...]  # named elements a reviewer checks the template for
    example: str | None


@dataclass(frozen=True, kw_only=True)
class RecordsRule(PackRule):
    records: str  # what is kept, e.g. "call_recordings", "collection_records"
    must_record: bool  # the contact itself must be recorded
    media: tuple[str, ...]  # "audio", "video" when must_record
    keep_years: int | None  # None: the source sets no period of its own
    kept_from: str  # "creation" or "last_activity"


@dataclass(frozen=True, kw_only=True)
class StaffingRule(PackRule):
    min_collectors: int
    credential: str | None  # what each collector must hold, None: nothing
    visit_minutes: int | None = None  # a visit's planned duration when its request gives none


@dataclass(frozen=True, kw_only=True)
class ConsentRule(PackRule):
    """Automated contacts to numbers of ``number_types`` need the debtor's prior express
    consent on record (TCPA). On ``voice`` an automated contact is a call no collector
    places (a prerecorded reminder); on ``sms`` every text counts as automated, since a
    dispatcher platform sends it — listed only where a pack chooses that reading."""

    number_types: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class HoldRule(PackRule):
    """What the pack cites when a hold of one of ``kinds`` stops a contact."""

    kinds: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RiskFlagRule(PackRule):
    """While ``flag`` is set on a debtor, contacts on ``channels`` get ``effect``; letters
    from a template in ``except_templates`` (e.g. counsel's) pass."""

    flag: str
    effect: str
    except_templates: tuple[str, ...]


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    title: str
    jurisdiction: str
    file: Path
    hours: tuple[HoursRule, ...] = ()
    caps: tuple[CapRule, ...] = ()
    quiet_periods: tuple[QuietPeriodRule, ...] = ()
    content: tuple[ContentRule, ...] = ()
    records: tuple[RecordsRule, ...] = ()
    staffing: tuple[StaffingRule, ...] = ()
    consent: tuple[ConsentRule, ...] = ()
    holds: tuple[HoldRule, ...] = ()
    risk_flags: tuple[RiskFlagRule, ...] = ()

    @property
    def rules(self) -> tuple[PackRule, ...]:
        return (
            *self.hours,
            *self.caps,
            *self.quiet_periods,
            *self.content,
            *self.records,
            *self.staffing,
            *self.consent,
            *self.holds,
            *self.risk_flags,
        )
