"""Searching the contact log, and logging who searched it.

Messages are read in keyset pages ordered by id. Ids are ULIDs, ordered by creation
time, so a page boundary never moves: rows that arrive later sort after every page
already read, and "give me what follows id X" has the same answer before and after.
The export walks the same pages, so it holds one page in memory, never the result.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.models import AuditRead, Debtor, Hold, Message, MessageEvent

__all__ = [
    "MESSAGE_WITH_ZONE",
    "AuditLog",
    "HoldRow",
    "MessageFilters",
    "ReadRow",
    "on_message",
]

# A message and its debtor's time zone (None where unknown), so that an answer can give
# its times on the debtor's clock as well as in UTC.
MESSAGE_WITH_ZONE: tuple[Any, ...] = (
    Message.__table__,
    select(Debtor.time_zone)
    .where(Debtor.debtor_ref == Message.debtor_ref)
    .scalar_subquery()
    .label("debtor_time_zone"),
)


@dataclass(frozen=True)
class MessageFilters:
    debtor_ref: str | None = None
    account_ref: str | None = None
    status: str | None = None
    channel: str | None = None
    rule_id: str | None = None  # the verdict's deciding rule
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    requested_by: str | None = None  # exactly, or followed by "#campaign"
    # The collector who placed the call, or any collector on the visit.
    collector_id: str | None = None
    # A collector's own view: what they asked for (requested_by), their calls and visits.
    visible_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in asdict(self).items()
            if v is not None
        }


@dataclass(frozen=True)
class HoldRow:
    id: int
    kind: str
    channel: str | None
    destination: str | None
    debtor_ref: str | None
    set_by: str
    source: str
    reason: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None


@dataclass(frozen=True)
class ReadRow:
    id: int
    at: datetime
    reader: str
    action: str
    debtor_ref: str | None
    message_id: str | None
    filters: dict[str, Any]
    rows: int | None


class AuditLog:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        # Reads are single statements: on PostgreSQL they need no BEGIN/ROLLBACK around them.
        self._reads = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )

    async def messages(
        self,
        filters: MessageFilters,
        *,
        after: str | None,
        limit: int,
        columns: Sequence[Any] = MESSAGE_WITH_ZONE,
    ) -> list[Row[Any]]:
        """Up to ``limit`` messages matching ``filters`` whose id follows ``after``."""
        query = _filtered(select(*columns), filters, self.engine.dialect.name)
        if after is not None:
            query = query.where(Message.id > after)
        async with self._reads.connect() as conn:
            return list(await conn.execute(query.order_by(Message.id).limit(limit)))

    async def message(self, message_id: str) -> Row[Any] | None:
        async with self._reads.connect() as conn:
            found = await conn.execute(select(*MESSAGE_WITH_ZONE).where(Message.id == message_id))
            return found.first()

    async def pages(
        self,
        filters: MessageFilters,
        *,
        after: str | None = None,
        page_size: int = 2000,
        columns: Sequence[Any] = (Message.__table__,),
    ) -> AsyncIterator[Sequence[Row[Any]]]:
        """Every matching message, one keyset page at a time (constant memory)."""
        while True:
            page = await self.messages(filters, after=after, limit=page_size, columns=columns)
            if page:
                yield page
            if len(page) < page_size:
                return
            after = page[-1].id

    async def events(self, message_id: str) -> list[Row[Any]]:
        async with self._reads.connect() as conn:
            return list(
                await conn.execute(
                    select(MessageEvent.__table__)
                    .where(MessageEvent.message_id == message_id)
                    .order_by(MessageEvent.id)
                )
            )

    async def record_read(
        self,
        *,
        reader: str,
        action: str,
        filters: dict[str, Any],
        debtor_ref: str | None = None,
        message_id: str | None = None,
        rows: int | None = None,
    ) -> int:
        """Log that ``reader`` looked at the contact log; returns the record's id."""
        async with self.engine.begin() as conn:
            return int(
                (
                    await conn.execute(
                        insert(AuditRead)
                        .values(
                            at=self.clock.now(), reader=reader, action=action,
                            debtor_ref=debtor_ref, message_id=message_id, filters=filters,
                            rows=rows,
                        )
                        .returning(AuditRead.id)
                    )
                ).scalar_one()
            )  # fmt: skip

    async def count_read(self, read_id: int, rows: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(AuditRead).where(AuditRead.id == read_id).values(rows=rows))

    async def reads(
        self, *, debtor_ref: str | None, reader: str | None, after: int | None, limit: int
    ) -> list[ReadRow]:
        query = select(AuditRead.__table__).order_by(AuditRead.id).limit(limit)
        if debtor_ref is not None:
            query = query.where(AuditRead.debtor_ref == debtor_ref)
        if reader is not None:
            query = query.where(AuditRead.reader == reader)
        if after is not None:
            query = query.where(AuditRead.id > after)
        async with self._reads.connect() as conn:
            return [ReadRow(**r._asdict()) for r in await conn.execute(query)]

    async def debtor_zones(self, debtor_refs: set[str]) -> dict[str, str]:
        """The recorded time zone of each of these debtors that has one."""
        if not debtor_refs:
            return {}
        query = select(Debtor.debtor_ref, Debtor.time_zone).where(
            Debtor.debtor_ref.in_(sorted(debtor_refs)), Debtor.time_zone.is_not(None)
        )
        async with self._reads.connect() as conn:
            return {ref: zone for ref, zone in await conn.execute(query) if zone is not None}

    async def holds(
        self, *, debtor_ref: str | None, destination: str | None, active_only: bool
    ) -> list[HoldRow]:
        """Holds on a debtor (and on the numbers it holds), or on one destination."""
        query = select(Hold.__table__).order_by(Hold.id).limit(1000)
        if debtor_ref is not None and destination is not None:
            query = query.where(or_(Hold.debtor_ref == debtor_ref, Hold.destination == destination))
        elif debtor_ref is not None:
            query = query.where(Hold.debtor_ref == debtor_ref)
        elif destination is not None:
            query = query.where(Hold.destination == destination)
        if active_only:
            query = query.where(Hold.lifted_at.is_(None))
        async with self._reads.connect() as conn:
            return [HoldRow(**r._asdict()) for r in await conn.execute(query)]


def on_message(collector_id: str, dialect: str) -> ColumnElement[bool]:
    """The message is a call by ``collector_id``, or a visit with them on it."""
    ids = Message.collector_ids
    if dialect == "postgresql":
        named: ColumnElement[bool] = type_coerce(ids, JSONB).contains([collector_id])
    else:
        each = func.json_each(ids).table_valued("value")
        named = select(literal(1)).select_from(each).where(each.c.value == collector_id).exists()
    return or_(Message.collector_id == collector_id, named)


def _filtered(query: Select[Any], f: MessageFilters, dialect: str) -> Select[Any]:
    if f.debtor_ref is not None:
        query = query.where(Message.debtor_ref == f.debtor_ref)
    if f.account_ref is not None:
        query = query.where(Message.account_ref == f.account_ref)
    if f.status is not None:
        query = query.where(Message.status == f.status)
    if f.channel is not None:
        query = query.where(Message.channel == f.channel)
    if f.rule_id is not None:
        query = query.where(Message.verdict["rule_id"].as_string() == f.rule_id)
    if f.collector_id is not None:
        query = query.where(on_message(f.collector_id, dialect))
    if f.visible_to is not None:
        mine = f"api:{f.visible_to}"
        query = query.where(
            or_(
                Message.requested_by == mine,
                Message.requested_by.startswith(mine + "#", autoescape=True),
                on_message(f.visible_to, dialect),
            )
        )
    if f.since is not None:
        query = query.where(Message.created_at >= f.since)
    if f.until is not None:
        query = query.where(Message.created_at < f.until)
    if f.requested_by is not None:
        query = query.where(
            or_(
                Message.requested_by == f.requested_by,
                Message.requested_by.startswith(f.requested_by + "#", autoescape=True),
            )
        )
    return query
