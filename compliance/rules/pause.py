"""Emergency pause (seed 4, emergency plans): while a pause applies, nothing is sent.

A paused message is deferred, not blocked, and goes once the pause is lifted. The
worker parks it under the pause (no job re-checks it; ``dispatcher.pauses.state``:
the resume releases what its pause parked); ``recheck`` (2 s) is the deferral's time
only where it cannot be parked (the pause state unreadable, or being lifted). The rule reads the
pause state through ``PauseSource`` — the dispatcher supplies one that caches the
active pauses for at most half a second per worker process, so sending stops within a
second of a pause being set.

If the pause state cannot be read, the rule defers too (and says so): not knowing
whether sending is paused is no reason to send, nor to drop the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["PAUSE_SCOPES", "PauseFact", "PauseRule", "PauseSource", "campaign_of"]

PAUSE_SCOPES = ("all", "channel", "campaign")
CAMPAIGN_MARK = "#"
_PAUSE_CODES = {"all": "pause.all", "channel": "pause.channel", "campaign": "pause.campaign"}


@dataclass(frozen=True)
class PauseFact:
    """An active pause, as the rule sees it."""

    id: int
    scope: str  # all, channel, campaign
    target: str | None  # the channel or the campaign; None for "all"
    reason: str
    paused_by: str
    paused_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "target": self.target,
            "reason": self.reason,
            "paused_by": self.paused_by,
            "paused_at": self.paused_at.isoformat(),
        }


class PauseSource(Protocol):
    async def active_pauses(self) -> Sequence[PauseFact]: ...

    async def requested_by(self, message_id: str) -> str | None:
        """Who asked for the message (``who#campaign``); asked only when a campaign is paused."""
        ...

    async def aclose(self) -> None:
        """Let go of any connection kept between reads."""
        ...


def campaign_of(requested_by: str | None) -> str | None:
    """The campaign a message belongs to: what follows ``#`` in its ``requested_by``."""
    if not requested_by or CAMPAIGN_MARK not in requested_by:
        return None
    return requested_by.partition(CAMPAIGN_MARK)[2] or None


class PauseRule:
    id = "operations.pause"
    citation = "Seed 4 (risk, emergency plans): contact stops at once when operations pause it"
    citations = (
        (
            "zh-CN",
            "公司《催收项目实施管理办法》四（二）应急预案：运营部门暂停联系时立即停止",
        ),
    )

    def __init__(self, pauses: PauseSource, *, recheck: timedelta = timedelta(seconds=2)) -> None:
        self.pauses = pauses
        self.recheck = recheck

    async def aclose(self) -> None:
        await self.pauses.aclose()

    async def check(self, subject: CheckSubject) -> RuleResult:
        until = subject.now + self.recheck
        try:
            active = await self.pauses.active_pauses()
            applying = await self._applying(active, subject)
        except Exception as exc:  # unknown pause state: wait, never send on a guess
            return RuleResult.defer(
                self.id, self.citation,
                f"the pause state could not be read ({type(exc).__name__}); checked again "
                "shortly", until,
                code="pause.unreadable", params={"error": type(exc).__name__},
            )  # fmt: skip
        if not applying:
            return RuleResult.allow(self.id, self.citation, active_pauses=len(active))
        first = applying[0]
        scope = "all sending" if first.scope == "all" else f"{first.scope} {first.target}"
        return RuleResult.defer(
            self.id, self.citation,
            f"{scope} paused by {first.paused_by} at {first.paused_at:%Y-%m-%d %H:%M:%S} UTC: "
            f"{first.reason}", until,
            code=_PAUSE_CODES.get(first.scope, "pause.all"),
            params={"target": first.target or "", "paused_by": first.paused_by,
                    "paused_at": first.paused_at, "note": first.reason},
            pauses=[p.to_json() for p in applying],
        )  # fmt: skip

    async def _applying(
        self, active: Sequence[PauseFact], subject: CheckSubject
    ) -> list[PauseFact]:
        applying = [
            p for p in active
            if p.scope == "all" or (p.scope == "channel" and p.target == subject.channel)
        ]  # fmt: skip
        campaigns = [p for p in active if p.scope == "campaign"]
        if campaigns:
            requested_by = subject.requested_by
            if requested_by is None:  # a subject built without it: ask the log
                requested_by = await self.pauses.requested_by(subject.message_id)
            campaign = campaign_of(requested_by)
            applying += [p for p in campaigns if p.target == campaign]
        return applying
