"""Erase one debtor's personal data and destroy its secrets, in one transaction.

What goes: names, numbers and addresses (the debtor's record, messages' destinations and
addresses), template variables, rendered content, recording references, dispositions and
error texts, personal keys of event details, read filters, hold and risk flag reasons, the
preferences the debtor stated and why (and the numbers of lifted holds), and the same in
the debtor's outbound events (``dispatcher/events/erasure.py``), which webhooks, dead
letters and the changes feed are sent from. What stays: every
status, channel, time, result and count — the statistics — and every sealed leaf: personal
fields entered leaves only as commitments under the debtor's secret, which is destroyed
last. Each statement is idempotent: an interrupted run does the debtor again, whole.

Events sealed in the version 1 format (before migration 0012) hold their detail inside
the leaf: erasing it would break the proof, so it is kept and counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import ScalarSelect

from dispatcher.contactlog.models import (
    AuditLeaf,
    AuditRead,
    Debtor,
    DebtorSecret,
    Hold,
    JsonDocument,
    Message,
    MessageEvent,
    PreferenceChange,
)
from dispatcher.events.erasure import erase_debtor_events
from dispatcher.proof.appendonly import ERASING
from dispatcher.proof.kinds import MESSAGE_EVENT, PUBLIC_DETAIL_KEYS
from dispatcher.risk_flags.models import RiskFlagEvent

__all__ = ["erase_debtor"]


async def erase_debtor(conn: AsyncConnection, ref: str, *, now: datetime) -> dict[str, int]:
    """Erase ``ref``'s personal data in ``conn``'s transaction; the rows touched, by table."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(ERASING))  # the owner's exception to the append-only trigger
    rows: dict[str, int] = {}
    messages = select(Message.id).where(Message.debtor_ref == ref).scalar_subquery()
    rows["messages"] = (
        await conn.execute(
            update(Message)
            .where(Message.debtor_ref == ref)
            .values(
                variables={},
                destination="",
                content=None,
                address=None,
                recording_ref=None,
                disposition=None,
                error_text=None,
            )
        )
    ).rowcount
    rows["message_events"], rows["message_events_kept_v1"] = await _erase_details(conn, messages)
    rows["holds"] = (
        await conn.execute(update(Hold).where(Hold.debtor_ref == ref).values(reason=""))
    ).rowcount
    await conn.execute(
        update(Hold)
        .where(Hold.debtor_ref == ref, Hold.lifted_at.is_not(None))
        .values(destination=None)
    )
    rows["audit_reads"] = (
        await conn.execute(update(AuditRead).where(AuditRead.debtor_ref == ref).values(filters={}))
    ).rowcount
    rows["risk_flag_events"] = (
        await conn.execute(
            update(RiskFlagEvent).where(RiskFlagEvent.debtor_ref == ref).values(reason="")
        )
    ).rowcount
    rows["preference_changes"] = (
        await conn.execute(
            update(PreferenceChange)
            .where(PreferenceChange.debtor_ref == ref)
            .values(reason="", changes={})
        )
    ).rowcount
    rows["outbound_events"] = await erase_debtor_events(conn, ref)  # and so what webhooks send
    rows["debtors"] = (
        await conn.execute(
            update(Debtor)
            .where(Debtor.debtor_ref == ref)
            .values(phones=None, address=None, inconvenient_times=None)
        )
    ).rowcount
    rows["secrets_destroyed"] = (
        await conn.execute(
            update(DebtorSecret)
            .where(DebtorSecret.debtor_ref == ref, DebtorSecret.secret.is_not(None))
            .values(secret=None, destroyed_at=now)
        )
    ).rowcount
    return rows


async def _erase_details(conn: AsyncConnection, messages: ScalarSelect[Any]) -> tuple[int, int]:
    sealed_v1 = select(AuditLeaf.event_id).where(
        AuditLeaf.kind == MESSAGE_EVENT.name, AuditLeaf.version == 1
    )
    events = (
        await conn.execute(
            select(MessageEvent.id, MessageEvent.detail, MessageEvent.id.in_(sealed_v1))
            .where(MessageEvent.message_id.in_(messages))
            .order_by(MessageEvent.id)
        )
    ).all()
    kept = [event_id for event_id, detail, v1 in events if v1 and _personal(detail)]
    erased = [
        {"event_id": event_id, "public": {k: detail[k] for k in detail if k in PUBLIC_DETAIL_KEYS}}
        for event_id, detail, v1 in events
        if not v1 and _personal(detail)
    ]
    if erased:
        table = MESSAGE_EVENT.table
        await conn.execute(
            update(table)
            .where(table.c.id == bindparam("event_id"))
            .values(detail=bindparam("public", type_=JsonDocument)),
            erased,
        )
    return len(erased), len(kept)


def _personal(detail: object) -> bool:
    return isinstance(detail, dict) and any(key not in PUBLIC_DETAIL_KEYS for key in detail)
