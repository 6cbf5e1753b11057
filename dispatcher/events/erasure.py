"""A debtor's outbound events, scrubbed when retention erases the debtor.

The journal (``outbound_events``) holds each event's data in full — a hold's number and
reason, a call's disposition with its note, a message event's detail — and the
webhooks' deliveries and dead letters are sent from it (they hold no copy), as is the
changes feed. When retention erases a debtor, the same transaction scrubs each of the
debtor's events down to what the contact log keeps (ids, statuses, channels, times,
results, a disposition's kind), marked ``"erased": true``; an event sent or replayed
afterwards carries only that. The journal is not sealed, so the proofs are untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnClause, Table, bindparam, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import JsonDocument
from dispatcher.events.models import OutboundEvent
from dispatcher.proof.kinds import PUBLIC_DETAIL_KEYS

__all__ = ["DEBTOR_OF_EVENT", "erase_debtor_events", "scrubbed"]

# The debtor an event names, as migration 0020 indexes it (every kind of event names one,
# except a hold set on a number alone).
DEBTOR_OF_EVENT: ColumnClause[str] = literal_column("outbound_events.data ->> 'debtor_ref'")
# What stays of a call's disposition or a visit's outcome.
PUBLIC_OUTCOME_KEYS = frozenset({"kind", "result", "by", "at", "went"})


def scrubbed(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the debtor's personal fields."""
    kept = dict(data)
    if isinstance(kept.get("detail"), Mapping):
        kept["detail"] = {k: v for k, v in kept["detail"].items() if k in PUBLIC_DETAIL_KEYS}
    for name in ("disposition", "outcome"):
        if isinstance(kept.get(name), Mapping):
            kept[name] = {k: v for k, v in kept[name].items() if k in PUBLIC_OUTCOME_KEYS}
    if kept.get("destination"):
        kept["destination"] = None
    if kept.get("reason"):
        kept["reason"] = ""
    kept["erased"] = True
    return kept


async def erase_debtor_events(conn: AsyncConnection, debtor_ref: str) -> int:
    """Scrub ``debtor_ref``'s events in ``conn``'s transaction; how many changed. Again
    on the same debtor: nothing changes (an interrupted run redoes the debtor whole)."""
    rows = await conn.execute(
        select(OutboundEvent.seq, OutboundEvent.data).where(DEBTOR_OF_EVENT == debtor_ref)
    )
    changed = [
        {"b_seq": seq, "b_data": scrubbed(data)}
        for seq, data in rows
        if not (data or {}).get("erased")
    ]
    if changed:
        table = OutboundEvent.__table__
        assert isinstance(table, Table)
        await conn.execute(
            update(table)
            .where(table.c.seq == bindparam("b_seq"))
            .values(data=bindparam("b_data", type_=JsonDocument)),
            changed,
        )
    return len(changed)
