"""Which contact a payment is credited to, decided once when the payment is reported.

The rule (window: ``STATS_ATTRIBUTION_DAYS``, 30 by default), among the debtor's contacts
for the same account (or for no account) attempted in the window before ``paid_at``:

1. ``promise``: the latest promise to pay recorded by a collector before the payment;
2. else ``conversation``: the latest contact where someone spoke with the debtor (a call
   with result ``conversation``, a visit with result ``visited``);
3. else ``contact``: the latest contact the provider took (sent, delivered, or still
   unknown) — a text or letter too, credited to its channel and to no collector;
4. else ``none``.

What arrives later (a disposition recorded after the payment) does not change it: a
payment's attribution is written with it and never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import Message
from dispatcher.domain import ContactResult, Disposition, MessageStatus

__all__ = ["Attribution", "attribute"]

SPOKE = frozenset({ContactResult.CONVERSATION, ContactResult.VISITED})
TAKEN = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN})


@dataclass(frozen=True)
class Attribution:
    kind: str  # promise, conversation, contact, none
    message_id: str | None = None
    collector_id: str | None = None
    channel: str | None = None
    verdict: dict[str, Any] | None = None  # the contact's verdict (it names the debtor's zone)

    def columns(self) -> dict[str, Any]:
        return {
            "attribution": self.kind,
            "attributed_message_id": self.message_id,
            "attributed_collector_id": self.collector_id,
            "attributed_channel": self.channel,
        }


async def attribute(
    conn: AsyncConnection, debtor_ref: str, account_ref: str, paid_at: datetime, window: timedelta
) -> Attribution:
    rows = (
        await conn.execute(
            select(
                Message.id, Message.channel, Message.collector_id, Message.status,
                Message.result, Message.attempted_at, Message.disposition, Message.verdict,
            ).where(
                Message.debtor_ref == debtor_ref,
                or_(Message.account_ref == account_ref, Message.account_ref.is_(None)),
                Message.attempted_at >= paid_at - window,
                Message.attempted_at <= paid_at,
            )
        )
    ).all()  # fmt: skip
    promises = [
        (datetime.fromisoformat(str(row.disposition["at"])), row)
        for row in rows
        if (row.disposition or {}).get("kind") == Disposition.PROMISE_TO_PAY
        and datetime.fromisoformat(str(row.disposition["at"])) <= paid_at
    ]
    if promises:
        return _credit("promise", max(promises, key=lambda p: (p[0], p[1].id))[1])
    for kind, matches in (
        ("conversation", [r for r in rows if r.result in SPOKE]),
        ("contact", [r for r in rows if r.status in TAKEN]),
    ):
        if matches:
            return _credit(kind, max(matches, key=lambda r: (r.attempted_at, r.id)))
    return Attribution("none")


def _credit(kind: str, row: Any) -> Attribution:
    return Attribution(kind, row.id, row.collector_id, row.channel, row.verdict)
