"""Call attempts for the compliance tests: an in-memory log and rows in the real one.

``Attempt`` is one contact attempt as the contact log keeps it. ``FakeLog`` answers the
``ContactFacts`` questions from a list of them, with its own plain reading of what the
packs' event kinds mean, written independently of the SQL in ``DebtorSession``; the
contract test checks that both readings agree on random logs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import AttemptCount, AttemptFact, CheckSubject, CollectorFact, HoldFact
from dispatcher.contactlog.models import Message

NEW_YORK_NUMBER = "+12125550134"
BEIJING_NUMBER = "+8613800138000"
RESULTS = (
    "conversation", "answered", "voicemail", "unanswered", "busy", "unconnected", "failed",
)  # fmt: skip
# What each event kind is, in plain words (independent of the session's SQL).
MEANS: dict[str, set[str]] = {
    "call.answered": {"answered", "conversation"},
    "call.conversation": {"conversation"},
    "call.voicemail": {"voicemail"},
    "call.unanswered": {"unanswered"},
    "call.busy": {"busy"},
    "call.unconnected": {"unconnected"},
    "call.failed": set(),
}
_ids = itertools.count()


@dataclass(frozen=True)
class Attempt:
    at: datetime
    result: str | None = "unanswered"  # None: in flight
    channel: str = "voice"
    status: str = "delivered"
    account_ref: str | None = "A-1"
    destination: str = NEW_YORK_NUMBER
    wrong_number: bool = False
    debtor_ref: str = "D-1"
    collector_id: str | None = "c-1"  # None: an automated voice reminder


def counts(attempt: Attempt, kinds: frozenset[str]) -> bool:
    """Whether ``attempt`` counts as one of ``kinds``."""
    if attempt.wrong_number or attempt.result == "failed":
        return False
    if attempt.channel == "sms":
        return "sms.sent" in kinds and attempt.status in {
            "sending", "sent", "delivered", "undelivered",
        }  # fmt: skip
    if attempt.channel != "voice":
        return False
    results = set().union(*(MEANS.get(k, set()) for k in kinds))
    robot = "call.robot_answered" in kinds
    if attempt.result is None:
        return bool(results or robot) and attempt.status in {"sending", "sent"}
    if robot and attempt.result == "answered" and attempt.collector_id is None:
        return True
    return attempt.result in results


@dataclass
class FakeLog:
    """``ContactFacts`` over a list of attempts."""

    attempts: list[Attempt] = field(default_factory=list)
    holds: list[HoldFact] = field(default_factory=list)

    def _matching(
        self, debtor_ref: str, kinds: frozenset[str], since: datetime,
        account_ref: str | None, destination: str | None,
    ) -> list[Attempt]:  # fmt: skip
        return [
            a for a in self.attempts
            if a.debtor_ref == debtor_ref and a.at >= since and counts(a, kinds)
            and account_ref in (None, a.account_ref) and destination in (None, a.destination)
        ]  # fmt: skip

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]:
        return [
            h for h in self.holds
            if h.channel in (None, channel) and h.destination in (None, destination)
        ]  # fmt: skip

    async def count_attempts(
        self, *, debtor_ref: str, counts: frozenset[str], since: datetime,
        account_ref: str | None = None, destination: str | None = None,
        destinations: tuple[str, ...] | None = None, excluding: tuple[str, ...] = (),
    ) -> AttemptCount:  # fmt: skip
        found = [
            a for a in self._matching(debtor_ref, counts, since, account_ref, destination)
            if (destinations is None or a.destination in destinations)
            and a.destination not in excluding
        ]  # fmt: skip
        return AttemptCount(len(found), min((a.at for a in found), default=None))

    async def latest_attempt(
        self, *, debtor_ref: str, counts: frozenset[str], since: datetime,
        account_ref: str | None = None, destination: str | None = None,
    ) -> AttemptFact | None:  # fmt: skip
        found = self._matching(debtor_ref, counts, since, account_ref, destination)
        latest = max(found, key=lambda a: a.at, default=None)
        return AttemptFact(latest.at, latest.result) if latest else None


def subject(now: datetime, facts: Any, **overrides: Any) -> CheckSubject:
    """A call to a New York debtor under Reg F; override any field."""
    fields: dict[str, Any] = {
        "message_id": "m", "channel": "voice", "debtor_ref": "D-1", "account_ref": "A-1",
        "destination": NEW_YORK_NUMBER, "locale": "en-US", "template_name": "collector_call",
        "template_version": "v", "body": "call", "render_error": None, "segments": None,
        "now": now, "facts": facts, "debtor_time_zone": "America/New_York",
        "packs": ("us-regf", "org"),
    }  # fmt: skip
    fields.update(overrides)
    return CheckSubject(**fields)


def cn_subject(now: datetime, facts: Any, **overrides: Any) -> CheckSubject:
    """A call to a debtor in China (packs cn, org; Beijing time)."""
    fields: dict[str, Any] = {
        "destination": BEIJING_NUMBER, "locale": "zh-CN", "debtor_time_zone": None,
        "packs": ("cn", "org"),
    }  # fmt: skip
    fields.update(overrides)
    return subject(now, facts, **fields)


def collector(
    collector_id: str, *, trained_on: date | None = date(2026, 1, 5),
    expires: date | None = date(2027, 1, 4), active: bool = True,
) -> CollectorFact:  # fmt: skip
    return CollectorFact(collector_id, f"Collector {collector_id}", active, trained_on, expires)


def row(attempt: Attempt) -> dict[str, Any]:
    """``attempt`` as a contact-log row."""
    n = next(_ids)
    at = attempt.at.astimezone(UTC)
    return {
        "id": f"T{n:025d}", "idempotency_key": f"calls-test-{n}",
        "debtor_ref": attempt.debtor_ref, "account_ref": attempt.account_ref,
        "channel": attempt.channel, "template_name": "collector_call", "template_version": "v",
        "locale": "en-US", "variables": {}, "destination": attempt.destination,
        "requested_by": "test", "created_at": at - timedelta(minutes=1), "scheduled_for": at,
        "valid_until": at + timedelta(days=3), "updated_at": at, "status": attempt.status,
        "attempts": 1, "attempted_at": at, "result": attempt.result,
        "disposition": {"kind": "wrong_number"} if attempt.wrong_number else None,
        "collector_id": attempt.collector_id,
    }  # fmt: skip


async def insert_attempts(engine: AsyncEngine, *attempts: Attempt) -> None:
    if attempts:
        async with engine.begin() as conn:
            await conn.execute(insert(Message), [row(a) for a in attempts])
