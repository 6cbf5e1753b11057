"""What the pipeline asks of the contact log: one implementation per backend.

PostgreSQL: ``sending.postgres.PostgresSendingLog`` (raw asyncpg, the hot path). SQLite,
the embedded default: ``contactlog.store.ContactLog`` itself (SQLAlchemy). Both run the
same statements and take the same locks; the protocols below are what they share.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from compliance import AttemptCount, AttemptFact, HoldFact
from compliance.rules.risk_flags import RiskFlagFact
from dispatcher.contactlog.models import Collector, Debtor, Message
from dispatcher.domain import EventSource, MessageStatus

__all__ = ["DecisionWindow", "DecisionWindowLost", "SendingLog"]


class DecisionWindowLost(Exception):
    """The window's transaction was rolled back for another job's sake (its windows share
    one, see ``sending.postgres.batched_windows``): nothing decided in it stands, nothing
    was sent; the decision is to be made again."""


class DecisionWindow(Protocol):
    """A debtor's transaction under their lock: the facts the rules read, and the claim."""

    debtor: Debtor | None

    async def message(self, message_id: str) -> Message | None: ...

    async def collectors(self, ids: Iterable[str]) -> dict[str, Collector]: ...

    async def active_holds(
        self, *, debtor_ref: str, destination: str, channel: str
    ) -> list[HoldFact]: ...

    async def risk_flags(self, *, debtor_ref: str) -> list[RiskFlagFact]: ...

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
    ) -> AttemptCount: ...

    async def latest_attempt(
        self,
        *,
        debtor_ref: str,
        counts: frozenset[str],
        since: datetime,
        account_ref: str | None = None,
        destination: str | None = None,
    ) -> AttemptFact | None: ...

    async def pause_in_force(self, pause_id: int) -> bool: ...

    async def move(
        self,
        message_id: str,
        *,
        expect: Iterable[MessageStatus],
        to: MessageStatus,
        detail: dict[str, Any],
        at: datetime,
        log_event: bool = True,
        **changes: Any,
    ) -> bool: ...


class SendingLog(Protocol):
    # True: the log itself lines up this process's windows for one debtor, none holding a
    # connection while it waits (``batched_windows``); False: the pipeline's debtor turn does.
    lines_up_debtors: bool

    async def get(self, message_id: str) -> Message: ...

    def debtor_session(
        self, debtor_ref: str, *, message_id: str
    ) -> AbstractAsyncContextManager[DecisionWindow]: ...

    async def transition(
        self,
        message_id: str,
        *,
        expect: Iterable[MessageStatus],
        to: MessageStatus,
        source: EventSource,
        detail: dict[str, Any] | None = None,
        **changes: Any,
    ) -> bool: ...

    async def note(
        self, message_id: str, *, source: EventSource, detail: dict[str, Any], **changes: Any
    ) -> None: ...

    async def add_hold(
        self,
        *,
        kind: str,
        set_by: str,
        source: str,
        reason: str,
        debtor_ref: str | None = None,
        destination: str | None = None,
        channel: str | None = None,
    ) -> bool: ...
