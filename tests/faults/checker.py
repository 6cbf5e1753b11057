"""The one check every trial ends with: what the provider received against the contact log.

Per message of ours:

- **duplicates**: the provider created more than one message (or call) for it;
- **phantom sends**: the log says the provider has it (a provider id, or status sent /
  delivered / undelivered) but the provider never created that id for this message;
- **hidden sends**: the log says it never went (failed or blocked, no provider id, no
  "outcome unknown") but the provider created it;
- **lost**: not settled at the end (queued, deferred or sending). ``unknown`` is allowed:
  ambiguity recorded as ambiguity;
- **too many tries**: more create requests reached the provider than ``SEND_MAX_TRIES``;

and for the trial: every worker the test did not kill is still running.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.faults.provider import ProviderRecords

__all__ = ["LoggedMessage", "TrialReport", "check_trial", "read_log"]

SETTLED = frozenset({"sent", "delivered", "undelivered", "failed", "blocked", "unknown"})
CLAIMS_PROVIDER_HAS_IT = frozenset({"sent", "delivered", "undelivered"})
SAYS_IT_NEVER_WENT = frozenset({"failed", "blocked"})
OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass(frozen=True)
class LoggedMessage:
    id: str
    channel: str
    status: str
    provider_message_id: str | None
    attempts: int
    error_code: str | None
    error_text: str | None


async def read_log(engine: AsyncEngine) -> dict[str, LoggedMessage]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, channel, status, provider_message_id, attempts, error_code, "
                "error_text FROM messages"
            )
        )
        return {row.id: LoggedMessage(*row) for row in rows}


@dataclass
class TrialReport:
    trial: str
    messages: int
    kills: int
    provider_creates: int
    provider_lookups: int
    statuses: Counter[str]
    duplicates: list[str] = field(default_factory=list)
    phantom_sends: list[str] = field(default_factory=list)
    hidden_sends: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    too_many_tries: list[str] = field(default_factory=list)
    max_tries_seen: int = 0
    dead_workers: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        statuses = " ".join(f"{k}={v}" for k, v in sorted(self.statuses.items()))
        return (
            f"[faults] {self.trial}: messages={self.messages} kills={self.kills} "
            f"provider_creates={self.provider_creates} lookups={self.provider_lookups} "
            f"duplicates={len(self.duplicates)} "
            f"phantom_sends={len(self.phantom_sends)} hidden_sends={len(self.hidden_sends)} "
            f"lost={len(self.lost)} unknown={self.statuses.get('unknown', 0)} "
            f"max_tries_seen={self.max_tries_seen} over_max_tries={len(self.too_many_tries)} "
            f"dead_workers={len(self.dead_workers)} ({statuses})"
        )

    def failures(self) -> list[str]:
        found = []
        for name in ("duplicates", "phantom_sends", "hidden_sends", "lost", "too_many_tries"):
            ids: list[str] = getattr(self, name)
            if ids:
                shown = "\n    ".join(self.details.get(i, i) for i in ids[:8])
                more = f"\n    ... and {len(ids) - 8} more" if len(ids) > 8 else ""
                found.append(f"{len(ids)} {name.replace('_', ' ')}:\n    {shown}{more}")
        for name in self.dead_workers:
            last_lines = self.details.get(name, "").splitlines()[-6:]
            shown = "\n    ".join(line[:300] for line in last_lines)
            found.append(f"{name} died without being killed; its log ends:\n    {shown}")
        return found


def check_trial(
    trial: str,
    logged: dict[str, LoggedMessage],
    provider: ProviderRecords,
    *,
    send_max_tries: int,
    kills: int = 0,
    dead_workers: list[str] | None = None,
) -> TrialReport:
    requests = provider.requests_by_message()
    created = provider.created_by_message()
    owner = provider.owner_of()
    report = TrialReport(
        trial=trial,
        messages=len(logged),
        kills=kills,
        provider_creates=sum(len(v) for v in requests.values()),
        provider_lookups=provider.lookups,
        statuses=Counter(m.status for m in logged.values()),
        dead_workers=dead_workers or [],
    )
    strangers = set(requests) - set(logged)
    for stranger in sorted(strangers):  # a create for an id we never logged: a lie as well
        report.phantom_sends.append(stranger)
        report.details[stranger] = f"{stranger}: the provider got creates for an unknown id"
    for message in logged.values():
        tries = len(requests.get(message.id, []))
        report.max_tries_seen = max(report.max_tries_seen, tries)
        problems = _problems(message, created.get(message.id, []), owner, tries, send_max_tries)
        for name in problems:
            getattr(report, name).append(message.id)
        if problems:
            report.details[message.id] = _describe(message, requests.get(message.id, []))
    return report


def _problems(
    message: LoggedMessage,
    created: list[str],
    owner: dict[str, str],
    tries: int,
    send_max_tries: int,
) -> list[str]:
    found = []
    if len(created) > 1:
        found.append("duplicates")
    pid = message.provider_message_id
    if (pid is not None and owner.get(pid) != message.id) or (
        pid is None and message.status in CLAIMS_PROVIDER_HAS_IT
    ):
        found.append("phantom_sends")
    if (
        created
        and pid is None
        and message.status in SAYS_IT_NEVER_WENT
        and message.error_code != OUTCOME_UNKNOWN
    ):
        found.append("hidden_sends")
    if message.status not in SETTLED:
        found.append("lost")
    if tries > send_max_tries:
        found.append("too_many_tries")
    return found


def _describe(message: LoggedMessage, requests: list[Any]) -> str:
    seen = ", ".join(f"{r.fault}->{r.sid or 'nothing'}" for r in requests) or "none"
    return (
        f"{message.id} ({message.channel}): log status={message.status} "
        f"provider_id={message.provider_message_id} attempts={message.attempts} "
        f"error={message.error_code}: {(message.error_text or '')[:120]!r}; "
        f"provider creates: [{seen}]"
    )
