"""The compliance gate: every rule, in order, on every message, just before it is sent.

A rule is a small class with an ``id``, a ``citation`` and ``async check(subject)``.
The gate runs all of them (so the log shows each rule's answer, not only the first
refusal) and fails closed: a rule that raises blocks the message and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from compliance.citations import Translations
from compliance.verdict import Decision, RuleResult, Verdict

__all__ = [
    "AttemptCount",
    "AttemptFact",
    "CheckSubject",
    "CollectorFact",
    "ComplianceGate",
    "ContactFacts",
    "HoldFact",
    "RenderProblem",
    "Rule",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderProblem:
    """Why a template did not render, as a code of the problems catalogs
    (``problems.field.<code>``: ``template.missing_variable``) and the values it names."""

    code: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HoldFact:
    """An active hold, as the rules see it."""

    kind: str  # opt_out, cease, dispute, attorney, bankruptcy, deceased, do_not_visit, ...
    channel: str | None  # None: every channel
    destination: str | None  # None: every destination of the debtor
    reason: str
    source: str
    set_by: str
    created_at: datetime


@dataclass(frozen=True)
class CollectorFact:
    """A collector named on a call or visit, as the registry has them at check time."""

    collector_id: str
    name: str
    active: bool
    trained_on: date | None  # training passed on this date (None: never)
    credential_expires: date | None  # valid through this date (None: no expiry recorded)


@dataclass(frozen=True)
class AttemptCount:
    count: int
    oldest_at: datetime | None  # the earliest counted attempt: when a rolling window frees up


@dataclass(frozen=True)
class AttemptFact:
    """One attempt from the log, as a quiet period sees it."""

    at: datetime  # when it was claimed for sending (``attempted_at``)
    result: str | None  # domain.ContactResult; None while the attempt is still in flight


class ContactFacts(Protocol):
    """What rules may ask the contact log. The dispatcher provides it, inside the same
    transaction (and per-debtor lock) in which an allowed message is claimed for sending,
    so a count a rule reads cannot change before the slot is taken."""

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]: ...

    async def count_attempts(
        self,
        *,
        debtor_ref: str,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
        destinations: tuple[str, ...] | None = None,
        excluding: tuple[str, ...] = (),
    ) -> AttemptCount:
        """Attempts since ``since`` that are one of the event kinds ``counts`` (the packs'
        words: "call.answered", "sms.sent", ...). An attempt still in flight counts toward
        every call kind it could turn out to be; one that reached a wrong number does not.
        ``destinations``: only attempts to these numbers; ``excluding``: none to these (a
        Massachusetts cap counts personal and other numbers apart)."""
        ...

    async def latest_attempt(
        self,
        *,
        debtor_ref: str,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
    ) -> AttemptFact | None:
        """The latest attempt since ``since`` counted as one of ``counts`` (same reading as
        ``count_attempts``, in-flight attempts included), or None."""
        ...


@dataclass(frozen=True)
class CheckSubject:
    """One message as the rules see it, rendered (or not) and about to be sent."""

    message_id: str
    channel: str
    debtor_ref: str
    account_ref: str | None
    destination: str
    locale: str
    template_name: str
    template_version: str | None
    body: str | None  # None when the template could not be rendered
    render_error: str | None  # English
    segments: int | None  # SMS only
    now: datetime
    facts: ContactFacts
    debtor_time_zone: str | None = None  # IANA name from the debtor's record, if known
    packs: tuple[str, ...] = ()  # rule packs that apply to this debtor ("cn", "org", ...)
    agreed_until: datetime | None = None  # the debtor agreed to contact outside hours until then
    # Local times the debtor named as inconvenient: (weekdays, start, end), Monday = 0.
    inconvenient_times: tuple[tuple[frozenset[int], time, time], ...] = ()
    # What the debtor said they prefer (advisory: see rules/preferences.py).
    preferred_channel: str | None = None
    preferred_locale: str | None = None
    requested_by: str | None = None  # who asked: "strategy", "api:key-name#campaign", ...
    # Calls and visits: the collectors named on the request, and those the registry knows.
    collector_ids: tuple[str, ...] = ()
    collectors: tuple[CollectorFact, ...] = ()
    address_country: str | None = None  # letters and visits: where the address is
    # When the contact itself happens, if not now: a visit's time. Hours are checked for it.
    contact_at: datetime | None = None
    # How long the contact lasts, if planned (a visit's minutes); None: the packs' default.
    contact_minutes: int | None = None
    # The destination number as the debtor's record types it: "mobile", "home", "work",
    # "other"; None when the number is not on record (or has no type).
    destination_type: str | None = None
    destination_consent: bool = False  # prior express consent to automated calls and texts
    # The debtor's numbers on record typed "work" or "other": caps count them apart.
    other_numbers: tuple[str, ...] = ()
    # Where the debtor's postal address on record is (hours hold in its zones too).
    debtor_address_country: str | None = None
    debtor_address_region: str | None = None  # state or province ("CA", "ON")
    render_problem: RenderProblem | None = None  # ``render_error`` by its code, if it has one


class Rule(Protocol):
    """A rule may also name its ``citation`` in other languages: ``citations``, (locale,
    text) pairs as the packs' (``compliance/citations.py``), read by the gate."""

    id: str
    citation: str

    async def check(self, subject: CheckSubject) -> RuleResult: ...


class ComplianceGate:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)

    async def evaluate(self, subject: CheckSubject) -> Verdict:
        results = [await self._run(rule, subject) for rule in self.rules]
        if any(r.decision is Decision.BLOCK for r in results):
            decision = Decision.BLOCK
        elif any(r.decision is Decision.DEFER for r in results):
            decision = Decision.DEFER
        else:
            decision = Decision.ALLOW
        return Verdict(decision, tuple(results), subject.now, _debtor_zone(subject, results))

    @staticmethod
    async def _run(rule: Rule, subject: CheckSubject) -> RuleResult:
        result = await ComplianceGate._answer(rule, subject)
        own: Translations = getattr(rule, "citations", ())
        if own and not result.citations and result.citation == rule.citation:
            # The rule cited itself: its own citation in the languages it names it in. The
            # result's dict is its own (each factory call builds one); a copy would cost
            # ~8 µs a rule on every message.
            result.citations.update(own)
        return result

    @staticmethod
    async def _answer(rule: Rule, subject: CheckSubject) -> RuleResult:
        try:
            result = await rule.check(subject)
        except Exception as exc:  # fail closed: a broken rule must never let a message through
            log.exception("compliance rule %s crashed on message %s", rule.id, subject.message_id)
            return RuleResult.block(
                rule.id,
                rule.citation,
                f"rule crashed ({type(exc).__name__}: {exc}); failed closed",
                code="rule.crashed",
                params={"error": f"{type(exc).__name__}: {exc}"},
            )
        if result.decision is Decision.DEFER and result.until is None:
            return RuleResult.block(
                rule.id,
                rule.citation,
                "rule deferred without a time; failed closed",
                code="rule.deferred_without_time",
            )
        return result


def _debtor_zone(subject: CheckSubject, results: Sequence[RuleResult]) -> str | None:
    """The debtor's zone on record, else the one zone the hours rule measured in (cn: Beijing
    time); None when several apply and none is on record."""
    if subject.debtor_time_zone:
        return subject.debtor_time_zone
    measured = {
        zone for r in results for zone in r.inputs.get("zones", ()) if isinstance(zone, str)
    }
    return measured.pop() if len(measured) == 1 else None
