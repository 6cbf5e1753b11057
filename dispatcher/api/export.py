"""The contact log as CSV, streamed: keyset pages in, CSV chunks out, in constant memory;
and the log of who read it.

The file starts with a UTF-8 byte order mark, so that Excel (which otherwise reads a CSV
in the system's code page) shows Chinese text as written. Beside each message's own
columns: the collector who placed the call or leads the visit, the campaign (from
``requested_by``), the disposition's kind and the attempt's result.

After the columns programs have always read, in the same order: the deciding rule's
reason in the caller's language (``Accept-Language``, answered in ``Content-Language``;
a verdict recorded without a reason code keeps its English), and — where the debtor's
zone is known, as in a message's answer — the zone and the times on the debtor's clock
with their offset. The column names stay as they are in every language: programs read
them (the workspace's export is the one for people, with headers in their language).

Same filters as ``GET /v1/messages`` (and ``cursor`` to resume after a given id). The
export is logged as an audit read before the first row goes out, and the number of
rows is added when it ends. A failure mid-stream cuts the connection: a truncated
file never looks complete (the chunked encoding is not terminated).
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnClause, case, func, literal_column, select, type_coerce

from compliance.rules.pause import campaign_of
from dispatcher.api.auth import allow
from dispatcher.api.bodies import Query
from dispatcher.api.context import Api
from dispatcher.api.messages import cursor_of, message_filters
from dispatcher.api.models import audit
from dispatcher.api.models.render import shown
from dispatcher.api.problems import request_locale
from dispatcher.api.views import debtor_zone
from dispatcher.contactlog.audit import MESSAGE_WITH_ZONE
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.models import JsonDocument, Message
from dispatcher.i18n import iso_local, reason_text

__all__ = ["BOM", "COLUMNS", "csv_bytes", "csv_cell", "export_csv", "list_reads"]

log = logging.getLogger(__name__)

_VERDICT = ("decision", "rule_id", "reason", "citation")
_STORED = (
    "id", "created_at", "updated_at", "status", "channel", "debtor_ref", "account_ref",
    "destination", "template_name", "template_version", "locale", "requested_by",
    "scheduled_for", "attempts", "provider", "provider_message_id", "error_code",
    "error_text", "collector_id", "campaign", "disposition", "result", *_VERDICT, "content",
)  # fmt: skip
_LOCAL_TIMES = ("created_at", "updated_at", "scheduled_for")
COLUMNS = (*_STORED, "reason_explained", "time_zone", *(f"{t}_local" for t in _LOCAL_TIMES))
BOM = "\ufeff".encode()
_CAMPAIGN = _STORED.index("campaign")
_AT = tuple(_STORED.index(t) for t in _LOCAL_TIMES)
# The verdict's deciding rule is read in SQL: the whole verdict (every rule's inputs) is
# many times the size of the row, and would only be thrown away.
_SELECTED = [
    Message.verdict[name].as_string().label(name) if name in _VERDICT
    else Message.disposition["kind"].as_string().label(name) if name == "disposition"
    else Message.requested_by.label(name) if name == "campaign"
    else getattr(Message, name)
    for name in _STORED
]  # fmt: skip
# A cell a spreadsheet would run as a formula; a phone number or a number stays as it is.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d .]+$)")


@allow(Role.COMPLIANCE)
async def export_csv(request: web.Request, api: Api, key: KeyRecord) -> web.StreamResponse:
    query = Query(request)
    filters = message_filters(query, key)
    cursor = cursor_of(query)
    query.finish()
    locale = request_locale(request)
    read_id = await api.audit.record_read(
        reader=key.label, action="audit.export", filters={**filters.to_json(), "cursor": cursor},
        debtor_ref=filters.debtor_ref,
    )  # fmt: skip
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="contact-log.csv"',
            "Cache-Control": "no-store",
            "Content-Language": locale,
            "Vary": "Accept-Language",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    rows = 0
    try:
        await response.write(BOM + csv_bytes([COLUMNS]))
        columns = _selected(api.audit.engine.dialect.name)
        async for page in api.audit.pages(filters, after=cursor, columns=columns):
            await response.write(csv_bytes(_cells(row, locale) for row in page))
            rows += len(page)
        await api.audit.count_read(read_id, rows)
    except Exception:
        log.exception("export %d failed after %d rows; cutting the connection", read_id, rows)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response


@functools.cache
def _selected(dialect: str) -> list[Any]:
    """The stored columns, then what the added ones are made of: the deciding rule's own
    answer (its code's params and inputs), the zone its verdict applied, the debtor's."""
    return [
        *_SELECTED,
        _deciding_result(dialect).label("deciding"),
        Message.verdict["time_zone"].as_string().label("verdict_time_zone"),
        *MESSAGE_WITH_ZONE[1:],
    ]


def _deciding_result(dialect: str) -> Any:
    """The entry of the verdict's ``rules`` whose rule and decision are the verdict's,
    picked in SQL (the other rules' answers stay in the database). None for an allowed
    message: no rule decided."""
    verdict = Message.verdict
    if dialect == "postgresql":  # a path query: ~3x faster than a subquery over the rules
        path: ColumnClause[Any] = literal_column(f"'{_DECIDING_PATH}'::jsonpath")
        return func.jsonb_path_query_first(verdict, path, type_=JsonDocument)
    rules = func.json_each(verdict, "$.rules").table_valued("value")
    deciding = (
        select(type_coerce(rules.c.value, JsonDocument))
        .where(func.json_extract(rules.c.value, "$.rule_id") == verdict["rule_id"].as_string())
        .where(func.json_extract(rules.c.value, "$.decision") == verdict["decision"].as_string())
        .limit(1)
        .scalar_subquery()
    )
    return case((verdict["rule_id"].as_string().is_not(None), deciding))


_DECIDING_PATH = "$.rules[*] ? (@.rule_id == $.rule_id && @.decision == $.decision)"


def _cells(row: Any, locale: str) -> list[str]:
    values: list[Any] = list(row[: len(_STORED)])
    values[_CAMPAIGN] = campaign_of(values[_CAMPAIGN])
    fields = row._mapping
    zone = debtor_zone(fields["debtor_time_zone"], fields["verdict_time_zone"])
    deciding = fields["deciding"]
    values.append(
        reason_text(deciding, locale, fields["verdict_time_zone"] or zone)
        if deciding
        else fields["reason"]  # a verdict recorded without its rules: as recorded
    )
    values.append(zone)
    values.extend(_on_clock(values[i], zone) for i in _AT)
    return [csv_cell(value) for value in values]


def _on_clock(at: datetime | None, zone: str | None) -> str | None:
    return None if at is None or zone is None else iso_local(at, zone)


def csv_cell(value: Any) -> str:
    """A value as CSV text; one a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if _FORMULA.match(text) else text


def csv_bytes(rows: Any) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@allow(Role.COMPLIANCE)
async def list_reads(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    """Who read whose records, oldest first, in keyset pages (``cursor``: the last id)."""
    query = Query(request)
    debtor_ref = query.text("debtor_ref")
    reader = query.text("reader")
    after = query.integer("cursor", default=0, minimum=0, maximum=2**53)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    query.finish()
    reads = await api.audit.reads(
        debtor_ref=debtor_ref, reader=reader, after=after or None, limit=limit + 1
    )
    more, reads = len(reads) > limit, reads[:limit]
    page = audit.AuditReadPage(
        items=[audit.AuditRead.model_validate(r, from_attributes=True) for r in reads],
        next_cursor=reads[-1].id if more else None,
    )
    return shown(page)
