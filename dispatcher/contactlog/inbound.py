"""Inbound SMS keywords applied to the holds once, by Twilio's ``MessageSid``.

``apply_reply`` records the message in ``inbound_messages`` and sets or lifts the hold in
the same transaction: either both are committed or neither is. A message whose sid is
already recorded is a replay; it changes nothing but its row's replay count, and the
answer is the first one's. On PostgreSQL the transaction holds an advisory lock on the
sender's number, so two replies from one number are applied one after the other (and
two STOPs never leave two holds); SQLite's ``BEGIN IMMEDIATE`` serialises every writer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from dispatcher.contactlog.holds import add_hold
from dispatcher.contactlog.models import Hold, InboundMessage
from dispatcher.domain import ChannelKind

__all__ = ["Applied", "InboundReply", "apply_reply"]

# What a reply did (the ``applied`` column).
OPT_OUT_SET = "opt_out_set"
OPT_OUT_ALREADY_SET = "opt_out_already_set"
OPT_OUT_LIFTED = "opt_out_lifted"
NO_OPT_OUT = "no_opt_out"  # a START with nothing to lift
KEPT_NEWER_STOP = "kept_newer_stop"  # a START older than every active opt-out: none lifted
ANSWERED = "answered"  # HELP
NOTHING = "nothing"  # any other reply

SET_BY = "inbound-sms"
LIFTED_BY = "inbound-sms:START"
_LOCK_CLASS = 0x1B0  # the first key of the two-key advisory lock: "inbound, by number"


@dataclass(frozen=True)
class InboundReply:
    """One inbound message as the webhook read it."""

    message_sid: str
    sender: str  # E.164, or a short code as it came
    recipient: str
    keyword: str | None  # STOP, START, HELP; None: any other reply
    word: str | None  # the keyword as matched
    received_at: datetime  # when the request arrived, before it waited for any lock
    reason: str  # the hold's reason, for a STOP


@dataclass(frozen=True)
class Applied:
    """What the first arrival of a message did; ``replay``: this arrival was not it."""

    keyword: str | None
    applied: str
    hold_ids: list[int]
    received_at: datetime
    replay: bool


async def apply_reply(engine: AsyncEngine, reply: InboundReply, *, now: datetime) -> Applied:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, _key(reply.sender))))
        if not await _record(conn, reply):
            return await _replayed(conn, reply.message_sid, now)
        applied, hold_ids = await _apply(conn, reply)
        await conn.execute(
            update(InboundMessage)
            .where(InboundMessage.message_sid == reply.message_sid)
            .values(applied=applied, hold_ids=hold_ids)
        )
    return Applied(reply.keyword, applied, hold_ids, reply.received_at, replay=False)


async def _record(conn: AsyncConnection, reply: InboundReply) -> bool:
    """Insert the message's row unless its sid is there; True if this is its first arrival."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    row: dict[str, Any] = {
        "message_sid": reply.message_sid, "sender": reply.sender, "recipient": reply.recipient,
        "keyword": reply.keyword, "word": reply.word, "received_at": reply.received_at,
        "applied": "applying", "hold_ids": [], "replays": 0,
    }  # fmt: skip
    result = await conn.execute(
        insert(InboundMessage).values(row).on_conflict_do_nothing(index_elements=["message_sid"])
    )
    return result.rowcount == 1


async def _replayed(conn: AsyncConnection, message_sid: str, now: datetime) -> Applied:
    await conn.execute(
        update(InboundMessage)
        .where(InboundMessage.message_sid == message_sid)
        .values(replays=InboundMessage.replays + 1, last_replay_at=now)
    )
    first = (
        await conn.execute(
            select(
                InboundMessage.keyword, InboundMessage.applied, InboundMessage.hold_ids,
                InboundMessage.received_at,
            ).where(InboundMessage.message_sid == message_sid)
        )
    ).one()  # fmt: skip
    return Applied(
        first.keyword, first.applied, list(first.hold_ids), first.received_at, replay=True
    )


async def _apply(conn: AsyncConnection, reply: InboundReply) -> tuple[str, list[int]]:
    if reply.keyword == "STOP":
        return await _stop(conn, reply)
    if reply.keyword == "START":
        return await _start(conn, reply)
    return (ANSWERED if reply.keyword == "HELP" else NOTHING), []


def _sms_opt_outs(number: str) -> list[ColumnElement[bool]]:
    return [
        Hold.lifted_at.is_(None),
        Hold.kind == "opt_out",
        Hold.channel == ChannelKind.SMS,
        Hold.destination == number,
    ]


async def _stop(conn: AsyncConnection, reply: InboundReply) -> tuple[str, list[int]]:
    new = await add_hold(
        conn, kind="opt_out", debtor_ref=None, destination=reply.sender,
        channel=ChannelKind.SMS, set_by=SET_BY, source="inbound:STOP", reason=reply.reason,
        at=reply.received_at,
    )  # fmt: skip
    held = await conn.execute(
        select(Hold.id)
        .where(*_sms_opt_outs(reply.sender), Hold.debtor_ref.is_(None))
        .order_by(Hold.id)
    )
    return (OPT_OUT_SET if new else OPT_OUT_ALREADY_SET), list(held.scalars())


async def _start(conn: AsyncConnection, reply: InboundReply) -> tuple[str, list[int]]:
    """Lift the number's sms opt-outs (whoever set them: the debtor's latest word counts),
    but only those recorded before this START arrived: a STOP that came after it stays."""
    active = await conn.execute(
        select(Hold.id, Hold.created_at).where(*_sms_opt_outs(reply.sender)).order_by(Hold.id)
    )
    rows = list(active)
    older = [hold_id for hold_id, created_at in rows if created_at <= reply.received_at]
    if not older:
        return (KEPT_NEWER_STOP if rows else NO_OPT_OUT), [hold_id for hold_id, _ in rows]
    await conn.execute(
        update(Hold)
        .where(Hold.id.in_(older))
        .values(lifted_at=reply.received_at, lifted_by=LIFTED_BY)
    )
    return OPT_OUT_LIFTED, older


def _key(number: str) -> int:
    digest = hashlib.blake2b(number.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
