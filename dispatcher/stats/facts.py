"""What one event, and one message as it stands, count for in ``stats_daily``.

Two kinds of figures:

* **Events** count once, on the debtor's local day of the event: an attempt (a ``sending``
  event) and whether it was inside the allowed hours, a refusal or deferral by rule, a
  letter returned to the sender. Events are append-only, so these only ever go up.
* **Messages** count by what they are now: an attempted message is one contact on the
  local day of its (last) attempt, by its result ("pending" until known) and its
  collector's disposition. A result can change (a call's ``answered`` becomes
  ``conversation`` when the collector records a disposition), so the fold remembers what
  each message counted as (``stats_contacts``) and moves the count when it changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dispatcher.domain import ChannelKind, Disposition, MessageStatus
from dispatcher.stats.checks import inside_hours

__all__ = [
    "RETURNED_TO_SENDER",
    "ContactFact",
    "Key",
    "MessageView",
    "Metric",
    "contact_fact",
    "event_counts",
    "fact_counts",
]

RETURNED_TO_SENDER = "letter.returned_to_sender"


class Metric:
    """The counters' names (``stats_daily.metric``)."""

    ATTEMPT = "attempt"  # a send handed (or being handed) to a provider
    OUTSIDE_HOURS = "outside_hours"  # an attempt not shown to be inside the allowed hours
    REFUSED = "refused"  # blocked, by the deciding rule (detail)
    DEFERRED = "deferred"  # deferred, by the deciding rule (detail)
    LETTER_RETURNED = "letter_returned"
    CONTACT = "contact"  # an attempted message, by its result (detail)
    DISPOSITION = "disposition"  # a collector's disposition, by kind (detail)


# (day, metric, channel, collector_id, portfolio, detail)
Key = tuple[date, str, str, str, str, str]


@dataclass(frozen=True)
class MessageView:
    """The columns of a message the fold reads, with its debtor's zone and portfolio."""

    id: str
    debtor_ref: str
    account_ref: str  # "" when the message names no account
    channel: str
    collector_id: str
    portfolio: str
    zone: ZoneInfo
    result: str | None
    attempted_at: datetime | None
    verdict: dict[str, Any] | None
    disposition: dict[str, Any] | None
    variables: dict[str, Any]

    def day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def key(self, instant: datetime, metric: str, detail: str = "") -> Key:
        return (self.day(instant), metric, self.channel, self.collector_id, self.portfolio, detail)

    def contact_instant(self, at: datetime) -> datetime:
        """When the contact itself happens: a visit's booked time, else ``at``."""
        booked = self.variables.get("visit_at") if self.channel == ChannelKind.VISIT else None
        return datetime.fromisoformat(str(booked)) if booked else at


def event_counts(
    status: str, at: datetime, detail: dict[str, Any], message: MessageView
) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    if status == MessageStatus.SENDING and "attempt" in detail:
        counts[message.key(at, Metric.ATTEMPT)] += 1
        instant = message.contact_instant(at)
        if not inside_hours(message.verdict, message.channel, instant):
            counts[message.key(at, Metric.OUTSIDE_HOURS)] += 1
    elif status == MessageStatus.BLOCKED:
        counts[message.key(at, Metric.REFUSED, str(detail.get("rule_id") or "unknown"))] += 1
    elif status == MessageStatus.DEFERRED:
        counts[message.key(at, Metric.DEFERRED, str(detail.get("rule_id") or "unknown"))] += 1
    if detail.get("provider_status") == RETURNED_TO_SENDER:
        counts[message.key(at, Metric.LETTER_RETURNED)] += 1
    return counts


@dataclass(frozen=True)
class ContactFact:
    """What one attempted message counts as (a ``stats_contacts`` row)."""

    day: date
    channel: str
    collector_id: str
    portfolio: str
    result: str
    disposition: str

    def counts(self, sign: int) -> Counter[Key]:
        common = (self.channel, self.collector_id, self.portfolio)
        counts: Counter[Key] = Counter({(self.day, Metric.CONTACT, *common, self.result): sign})
        if self.disposition:
            counts[(self.day, Metric.DISPOSITION, *common, self.disposition)] += sign
        return counts


def contact_fact(message: MessageView) -> ContactFact | None:
    if message.attempted_at is None:
        return None
    kind = str((message.disposition or {}).get("kind") or "")
    return ContactFact(
        day=message.day(message.attempted_at),
        channel=message.channel,
        collector_id=message.collector_id,
        portfolio=message.portfolio,
        result=message.result or "pending",
        disposition=kind if kind in set(Disposition) else ("other" if kind else ""),
    )


def fact_counts(old: ContactFact | None, new: ContactFact | None) -> Counter[Key]:
    """The change in the counters when a message's fact goes from ``old`` to ``new``."""
    counts: Counter[Key] = Counter()
    if old == new:
        return counts
    if old is not None:
        counts.update(old.counts(-1))
    if new is not None:
        counts.update(new.counts(+1))
    return counts
