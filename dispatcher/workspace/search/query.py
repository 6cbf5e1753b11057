"""Searching contacts for people: by debtor, account, collector, campaign, channel,
status, rule and the **time of contact** — the date on the debtor's clock when the visit
took place or the text or call went out, not when the request was made. Newest first,
in keyset pages; the exports walk the same pages.

The date is matched in two steps: SQL keeps the rows whose contact time falls, in UTC,
within the days searched widened by the Earth's widest offsets (by the indexes of
migration 0020); each row is then placed on its debtor's own calendar and kept only if
its local date is one of the days. A search by days holds the days' candidate ids in
memory (a few columns each), not their rows.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, String, and_, case, cast, func, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Debtor, Message
from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.workspace.access.assignments import visible_messages
from dispatcher.workspace.access.people import PersonRecord
from dispatcher.workspace.debtor.contacts import contact_time, local_date, utc_window, zone_of
from dispatcher.workspace.forms import Form

__all__ = ["Search", "pages", "parse_search", "row_zone", "search"]

_BATCH = 200  # rows read per statement while a page (or an export) fills
_ROW = (
    Message.__table__,
    Debtor.time_zone.label("debtor_zone"),
    Debtor.country.label("debtor_country"),
)


@dataclass(frozen=True)
class Search:
    debtor_ref: str | None = None
    account_ref: str | None = None
    collector_id: str | None = None
    campaign: str | None = None
    channel: str | None = None
    status: str | None = None
    rule_id: str | None = None
    contact_from: date | None = None  # on the debtor's calendar
    contact_to: date | None = None

    def to_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v is not None}

    @property
    def empty(self) -> bool:
        return not self.to_json()


def parse_search(form: Form) -> Search:
    """The search from a query string; problems are left in ``form.problems``."""
    first, last = _date(form, "contact_from"), _date(form, "contact_to")
    if first and not last:
        last = first
    if last and not first:
        first = last
    if first and last and last < first:
        form.problems["contact_to"] = form.t("workspace.search.bad_range")
    return Search(
        debtor_ref=form.text("debtor_ref", required=False, max_length=100),
        account_ref=form.text("account_ref", required=False, max_length=100),
        collector_id=form.text("collector_id", required=False, max_length=100),
        campaign=form.text("campaign", required=False, max_length=50),
        channel=form.choice("channel", list(ChannelKind), required=False),
        status=form.choice("status", list(MessageStatus), required=False),
        rule_id=form.text("rule_id", required=False, max_length=100),
        contact_from=first,
        contact_to=last,
    )


async def search(
    engine: AsyncEngine, query: Search, person: PersonRecord, *, before: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Up to ``limit`` matching contacts older than ``before``, and the next page's cursor."""
    found: list[Any] = []
    async for batch in pages(engine, query, person, before=before):
        found.extend(batch)
        if len(found) > limit:
            break
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].id if more and found else None)


async def pages(
    engine: AsyncEngine, query: Search, person: PersonRecord, *, before: str | None = None
) -> AsyncIterator[list[Any]]:
    """Every matching contact, newest first, a batch at a time."""
    statement = visible_messages(_filtered(query), person)
    if query.contact_from is not None:
        async for batch in _on_days(engine, statement, query, before):
            yield batch
        return
    while True:  # constant memory: keyset batches
        bounded = statement if before is None else statement.where(Message.id < before)
        async with engine.connect() as conn:
            rows = list(await conn.execute(bounded.order_by(Message.id.desc()).limit(_BATCH)))
        if rows:
            yield rows
        if len(rows) < _BATCH:
            return
        before = rows[-1].id


async def _on_days(
    engine: AsyncEngine, statement: Any, query: Search, before: str | None
) -> AsyncIterator[list[Any]]:
    """The days' contacts: every candidate read once by the indexes on the contact time
    (migration 0020), with only what places it on its debtor's calendar; then the kept
    ones' rows, newest first, a batch at a time. (Left to ORDER BY id and LIMIT,
    PostgreSQL walks back through every newer message until it meets the days.)"""
    light = statement.with_only_columns(
        Message.id, Message.channel, Message.attempted_at, Message.scheduled_for,
        Message.destination, _VISIT_AT, Debtor.time_zone.label("debtor_zone"),
        Debtor.country.label("debtor_country"),
    )  # fmt: skip
    if before is not None:
        light = light.where(Message.id < before)
    if engine.dialect.name == "postgresql":
        light = light.where(_on_recorded_days(query))
    async with engine.connect() as conn:
        candidates = list(await conn.execute(light))
    kept = sorted((c.id for c in candidates if _on_the_days(_Placed(c), query)), reverse=True)
    full = select(*_ROW).outerjoin(Debtor, Debtor.debtor_ref == Message.debtor_ref)
    for start in range(0, len(kept), _BATCH):
        ids = kept[start : start + _BATCH]
        async with engine.connect() as conn:
            rows = await conn.execute(full.where(Message.id.in_(ids)).order_by(Message.id.desc()))
            yield list(rows)


_VISIT_AT = Message.variables["visit_at"].as_string().label("visit_at")


def _on_recorded_days(query: Search) -> Any:
    """PostgreSQL narrows the UTC window to the days themselves for what went out to a
    debtor whose zone it knows (a third of the candidates); the rest, and every visit,
    are placed here. CASE: a zone PostgreSQL does not know is never converted."""
    assert query.contact_from is not None and query.contact_to is not None
    known: Any = select(literal_column("name")).select_from(func.pg_timezone_names())
    sent_at = func.coalesce(Message.attempted_at, Message.scheduled_for)
    local_day = cast(func.timezone(Debtor.time_zone, sent_at), Date)
    return case(
        (
            and_(Message.channel != ChannelKind.VISIT, Debtor.time_zone.in_(known)),
            local_day.between(query.contact_from, query.contact_to),
        ),
        else_=true(),
    )


@dataclass(frozen=True)
class _Placed:
    """A light candidate row, read as ``contact_time`` and ``row_zone`` read a message."""

    row: Any

    def __getattr__(self, name: str) -> Any:
        if name == "variables":
            return {"visit_at": self.row.visit_at}
        return getattr(self.row, name)


def row_zone(row: Any) -> str:
    return _zone(row.debtor_zone, row.destination, row.debtor_country)


_zone = functools.lru_cache(maxsize=4096)(zone_of)  # a debtor's contacts share one


def _on_the_days(row: Any, query: Search) -> bool:
    if query.contact_from is None or query.contact_to is None:
        return True
    day = local_date(contact_time(row), row_zone(row))
    return query.contact_from <= day <= query.contact_to


def _filtered(q: Search) -> Any:
    statement = select(*_ROW).outerjoin(Debtor, Debtor.debtor_ref == Message.debtor_ref)
    equal = {
        Message.debtor_ref: q.debtor_ref, Message.account_ref: q.account_ref,
        Message.channel: q.channel, Message.status: q.status,
        Message.verdict["rule_id"].as_string(): q.rule_id,
    }  # fmt: skip
    for column, value in equal.items():
        if value is not None:
            statement = statement.where(column == value)
    if q.collector_id is not None:  # who placed the call, leads the visit, or is on it
        on_visit = cast(Message.collector_ids, String).contains(f'"{q.collector_id}"')
        statement = statement.where(or_(Message.collector_id == q.collector_id, on_visit))
    if q.campaign is not None:
        statement = statement.where(
            Message.requested_by.endswith("#" + q.campaign, autoescape=True)
        )
    if q.contact_from is not None and q.contact_to is not None:
        start, end = utc_window(q.contact_from, q.contact_to)
        # Written out, no parameter inside: the index (migration 0020) serves only this very
        # expression, and a prepared statement's generic plan would not match a parameter.
        visit_day = literal_column("substr(messages.variables ->> 'visit_at', 1, 10)", String)
        statement = statement.where(
            or_(
                and_(
                    Message.channel == ChannelKind.VISIT,
                    visit_day >= (q.contact_from - timedelta(days=1)).isoformat(),
                    visit_day <= (q.contact_to + timedelta(days=1)).isoformat(),
                ),
                and_(
                    Message.channel != ChannelKind.VISIT,
                    func.coalesce(Message.attempted_at, Message.scheduled_for) >= start,
                    func.coalesce(Message.attempted_at, Message.scheduled_for) < end,
                ),
            )
        )
    return statement


def _date(form: Form, name: str) -> date | None:
    raw = form.text(name, required=False, max_length=10)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        form.problems[name] = form.t("workspace.search.bad_date")
        return None
