"""The fold: committed events into ``stats_daily``, block by block, behind a cursor.

The send path does nothing for statistics: the fold reads the events afterwards. Event
ids are taken at insert and become visible at commit, so id 101 can be visible while 100
is still in flight; like sealing (``dispatcher.proof.seal``) the fold takes only the
settled prefix — events older than ``lag``, stopping at the first younger one — so no
event is ever skipped or counted twice. The cursor moves by compare-and-set in the same
transaction as the counters: two folds at once cannot both count a block, and a crash
or restart resumes where the last committed block ended.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import Debtor, Message, MessageEvent
from dispatcher.domain import Disposition
from dispatcher.stats.checks import zone_for
from dispatcher.stats.facts import (
    ContactFact,
    Key,
    MessageView,
    contact_fact,
    event_counts,
    fact_counts,
)
from dispatcher.stats.models import (
    PortfolioAccount,
    StatsContact,
    StatsCursor,
    StatsDaily,
    StatsPromise,
)
from dispatcher.stats.sql import insert_for, upsert

if TYPE_CHECKING:
    from dispatcher.process.deps import Deps

__all__ = [
    "BLOCK",
    "CURSOR",
    "LAG",
    "Folded",
    "fold_block",
    "fold_cron",
    "fold_pending",
    "settled_prefix",
]

log = logging.getLogger(__name__)

LAG = timedelta(seconds=30)  # the longest a write transaction may stay open (as sealing)
BLOCK = 10_000  # events per transaction at most
# SQLite has one writer (every transaction begins IMMEDIATE): short blocks, so that the
# pipeline's writes never wait long behind a fold.
SQLITE_BLOCK = 1_000
CURSOR = "events"


def settled_prefix(rows: Sequence[Any], cutoff: datetime) -> list[Any]:
    """The events of ``rows`` (in id order) that can be folded now: those at or before
    ``cutoff``, up to the first younger one (an id before it may still commit)."""
    taken: list[Any] = []
    for row in rows:
        if row.at > cutoff:
            break
        taken.append(row)
    return taken


@dataclass(frozen=True)
class Folded:
    events: int
    messages: int
    last_event_id: int


async def fold_block(
    engine: AsyncEngine, *, now: datetime, lag: timedelta = LAG, block: int | None = None
) -> Folded | None:
    """Fold the next block of settled events; None if there is none (or another fold
    took it first)."""
    if block is None:
        block = SQLITE_BLOCK if engine.dialect.name == "sqlite" else BLOCK
    await _ensure_cursor(engine, now)
    async with engine.begin() as conn:
        after = (
            await conn.execute(select(StatsCursor.last_event_id).where(StatsCursor.name == CURSOR))
        ).scalar_one()
        rows = (
            await conn.execute(
                select(
                    MessageEvent.id, MessageEvent.message_id, MessageEvent.at,
                    MessageEvent.status, MessageEvent.detail,
                ).where(MessageEvent.id > after).order_by(MessageEvent.id).limit(block)
            )
        ).all()  # fmt: skip
        found = settled_prefix(rows, now - lag)
        if not found:
            return None
        claimed = await conn.execute(
            update(StatsCursor)
            .where(StatsCursor.name == CURSOR, StatsCursor.last_event_id == after)
            .values(last_event_id=found[-1].id, updated_at=now)
        )
        if claimed.rowcount != 1:
            await conn.rollback()
            return None
        messages, old = await _views(conn, after, found[-1].id)
        counts: Counter[Key] = Counter()
        for row in found:
            if row.message_id in messages:
                counts.update(
                    event_counts(row.status, row.at, row.detail or {}, messages[row.message_id])
                )
        await _refold_messages(conn, messages, old, counts)
        await upsert(conn, StatsDaily, [_daily(key, n) for key, n in counts.items() if n],
                   keys=["day", "metric", "channel", "collector_id", "portfolio", "detail"],
                   increment="count")  # fmt: skip
    return Folded(len(found), len(messages), found[-1].id)


async def fold_pending(
    engine: AsyncEngine, *, now: datetime, lag: timedelta = LAG, block: int | None = None,
    max_blocks: int = 1_000,
) -> list[Folded]:  # fmt: skip
    folded: list[Folded] = []
    while len(folded) < max_blocks:
        done = await fold_block(engine, now=now, lag=lag, block=block)
        if done is None:
            break
        folded.append(done)
    return folded


async def fold_cron(ctx: dict[str, Any]) -> str:
    """The worker's cron job. A failure is logged and tried again at the next tick."""
    deps: Deps = ctx["deps"]
    try:
        folded = await fold_pending(deps.log.engine, now=deps.clock.now(), max_blocks=20)
    except Exception:
        log.exception("stats: folding failed; it is tried again at the next tick")
        return "folding failed"
    if not folded:
        return "nothing to fold"
    return f"folded {sum(f.events for f in folded)} events up to id {folded[-1].last_event_id}"


async def _ensure_cursor(engine: AsyncEngine, now: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert_for(conn, StatsCursor)
            .values(name=CURSOR, last_event_id=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )


def _block_messages(after: int, last: int) -> Any:
    """Every message with an event in the block ``after < id <= last``, joined in one
    statement with its debtor's zone, its account's portfolio and what it counts as now
    (one set-based read per block, not one IN list per 500 ids per table)."""
    ids = (
        select(MessageEvent.message_id)
        .where(MessageEvent.id > after, MessageEvent.id <= last)
        .distinct()
        .subquery()
    )
    old = StatsContact.__table__.alias("old")
    return (
        select(
            Message.id, Message.channel, Message.collector_id, Message.debtor_ref,
            Message.account_ref, Message.result, Message.attempted_at, Message.verdict,
            Message.disposition, Message.variables, Debtor.time_zone,
            PortfolioAccount.portfolio, *(c.label(f"old_{c.name}") for c in old.c),
        )
        .join(ids, ids.c.message_id == Message.id)
        .outerjoin(Debtor, Debtor.debtor_ref == Message.debtor_ref)
        .outerjoin(PortfolioAccount, and_(
            PortfolioAccount.debtor_ref == Message.debtor_ref,
            PortfolioAccount.account_ref == func.coalesce(Message.account_ref, ""),
        ))
        .outerjoin(old, old.c.message_id == Message.id)
    )  # fmt: skip


async def _views(
    conn: AsyncConnection, after: int, last: int
) -> tuple[dict[str, MessageView], dict[str, ContactFact]]:
    """The block's messages as the fold reads them, and what each counted as before."""
    views: dict[str, MessageView] = {}
    old: dict[str, ContactFact] = {}
    for row in await conn.execute(_block_messages(after, last)):
        views[row.id] = MessageView(
            id=row.id, debtor_ref=row.debtor_ref, account_ref=row.account_ref or "",
            channel=row.channel, collector_id=row.collector_id or "",
            portfolio=row.portfolio or "", zone=zone_for(row.time_zone, row.verdict),
            result=row.result, attempted_at=row.attempted_at, verdict=row.verdict,
            disposition=row.disposition, variables=row.variables or {},
        )  # fmt: skip
        if row.old_message_id is not None:
            old[row.id] = ContactFact(**{
                name: getattr(row, f"old_{name}") for name in ContactFact.__dataclass_fields__
            })  # fmt: skip
    return views, old


async def _refold_messages(
    conn: AsyncConnection,
    messages: dict[str, MessageView],
    old: dict[str, ContactFact],
    counts: Counter[Key],
) -> None:
    """Count each message by what it is now, taking back what it counted as before."""
    changed: list[dict[str, Any]] = []
    promises: list[dict[str, Any]] = []
    for message_id, message in messages.items():
        new = contact_fact(message)
        counts.update(fact_counts(old.get(message_id), new))
        if new is not None and new != old.get(message_id):
            changed.append({"message_id": message_id, **new.__dict__})
        promise = _promise(message)
        if promise is not None:
            promises.append(promise)
    await upsert(conn, StatsContact, changed, keys=["message_id"])
    await upsert(conn, StatsPromise, promises, keys=["message_id"], replace=False)


def _promise(message: MessageView) -> dict[str, Any] | None:
    """A promise to pay as recorded in the message's disposition (see dispositions.py)."""
    disposition = message.disposition or {}
    if disposition.get("kind") != Disposition.PROMISE_TO_PAY:
        return None
    try:
        made_at = datetime.fromisoformat(str(disposition["at"]))
        return {
            "message_id": message.id, "debtor_ref": message.debtor_ref,
            "account_ref": message.account_ref, "collector_id": message.collector_id,
            "portfolio": message.portfolio, "made_at": made_at, "made_on": message.day(made_at),
            "due_on": date.fromisoformat(str(disposition["date"])),
            "amount": Decimal(str(disposition["amount"])),
            "currency": str(disposition["currency"]),
        }  # fmt: skip
    except (KeyError, ValueError, ArithmeticError):
        log.warning("stats: promise on %s is not readable; not counted", message.id)
        return None


def _daily(key: Key, count: int) -> dict[str, Any]:
    day, metric, channel, collector_id, portfolio, detail = key
    return {
        "day": day, "metric": metric, "channel": channel, "collector_id": collector_id,
        "portfolio": portfolio, "detail": detail, "count": count,
    }  # fmt: skip
