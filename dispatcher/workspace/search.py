"""Searching contacts for people: by debtor, account, collector, campaign, channel,
status, rule and the **time of contact** — the date on the debtor's clock when the visit
took place or the text or call went out, not when the request was made. Newest first,
in keyset pages; the exports walk the same pages.

The date is matched in two steps: SQL keeps the rows whose contact time falls, in UTC,
within the days searched widened by the Earth's widest offsets; each row is then placed
on its debtor's own calendar and kept only if its local date is one of the days.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Debtor, Message
from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.workspace.assignments import visible_messages
from dispatcher.workspace.contacts import contact_time, local_date, utc_window, zone_of
from dispatcher.workspace.forms import Form
from dispatcher.workspace.people import PersonRecord

__all__ = ["Search", "pages", "parse_search", "row_zone", "search"]

_BATCH = 200  # rows read per statement while a page (or an export) fills
# With days of contact, each statement finds every candidate again (the UTC window is
# wider than the local days, so most are dropped): fewer, larger batches.
_DAYS_BATCH = 2_000
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
    """Every matching contact, newest first, a batch at a time (constant memory)."""
    statement = visible_messages(_filtered(query), person)
    while True:
        bounded = statement if before is None else statement.where(Message.id < before)
        batch = _BATCH if query.contact_from is None else _DAYS_BATCH
        async with engine.connect() as conn:
            rows = list(await conn.execute(_newest(bounded, query, batch)))
        kept = [row for row in rows if _on_the_days(row, query)]
        if kept:
            yield kept
        if len(rows) < batch:
            return
        before = rows[-1].id


def _newest(statement: Any, query: Search, batch: int) -> Any:
    """The newest ``batch`` rows of ``statement``. With days of contact, every match is
    found first by the indexes on the contact time (migration 0020), then the newest
    taken: left to itself, PostgreSQL walks the newest-first key back until it meets the
    days, reading every newer message (1 s for a day six months back in 1,000,000)."""
    if query.contact_from is None:
        return statement.order_by(Message.id.desc()).limit(batch)
    found = (
        statement.with_only_columns(Message.id)
        .cte("contacted")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    newest = select(found.c.id).order_by(found.c.id.desc()).limit(batch).subquery("newest")
    return (
        select(*_ROW)
        .join(newest, newest.c.id == Message.id)
        .outerjoin(Debtor, Debtor.debtor_ref == Message.debtor_ref)
        .order_by(Message.id.desc())
    )


def row_zone(row: Any) -> str:
    return zone_of(row.debtor_zone, row.destination, row.debtor_country)


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
