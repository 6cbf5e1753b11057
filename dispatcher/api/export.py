"""The contact log as CSV, streamed: keyset pages in, CSV chunks out, in constant memory;
and the log of who read it.

The file starts with a UTF-8 byte order mark, so that Excel (which otherwise reads a CSV
in the system's code page) shows Chinese text as written. Beside each message's own
columns: the collector who placed the call or leads the visit, the campaign (from
``requested_by``), the disposition's kind and the attempt's result.

Same filters as ``GET /v1/messages`` (and ``cursor`` to resume after a given id). The
export is logged as an audit read before the first row goes out, and the number of
rows is added when it ends. A failure mid-stream cuts the connection: a truncated
file never looks complete (the chunked encoding is not terminated).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any

from aiohttp import web

from compliance.rules.pause import campaign_of
from dispatcher.api.auth import allow
from dispatcher.api.bodies import Query
from dispatcher.api.context import Api
from dispatcher.api.messages import cursor_of, message_filters
from dispatcher.api.models import audit
from dispatcher.api.models.render import shown
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.contactlog.models import Message

__all__ = ["BOM", "COLUMNS", "csv_bytes", "csv_cell", "export_csv", "list_reads"]

log = logging.getLogger(__name__)

_VERDICT = ("decision", "rule_id", "reason", "citation")
COLUMNS = (
    "id", "created_at", "updated_at", "status", "channel", "debtor_ref", "account_ref",
    "destination", "template_name", "template_version", "locale", "requested_by",
    "scheduled_for", "attempts", "provider", "provider_message_id", "error_code",
    "error_text", "collector_id", "campaign", "disposition", "result", *_VERDICT, "content",
)  # fmt: skip
BOM = "\ufeff".encode()
_CAMPAIGN = COLUMNS.index("campaign")
# The verdict's deciding rule is read in SQL: the whole verdict (every rule's inputs) is
# many times the size of the row, and would only be thrown away.
_SELECTED = [
    Message.verdict[name].as_string().label(name) if name in _VERDICT
    else Message.disposition["kind"].as_string().label(name) if name == "disposition"
    else Message.requested_by.label(name) if name == "campaign"
    else getattr(Message, name)
    for name in COLUMNS
]  # fmt: skip
# A cell a spreadsheet would run as a formula; a phone number or a number stays as it is.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d .]+$)")


@allow(Role.COMPLIANCE)
async def export_csv(request: web.Request, api: Api, key: KeyRecord) -> web.StreamResponse:
    query = Query(request)
    filters = message_filters(query, key)
    cursor = cursor_of(query)
    query.finish()
    read_id = await api.audit.record_read(
        reader=key.label, action="audit.export", filters={**filters.to_json(), "cursor": cursor},
        debtor_ref=filters.debtor_ref,
    )  # fmt: skip
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="contact-log.csv"',
            "Cache-Control": "no-store",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    rows = 0
    try:
        await response.write(BOM + csv_bytes([COLUMNS]))
        async for page in api.audit.pages(filters, after=cursor, columns=_SELECTED):
            await response.write(csv_bytes(_cells(row) for row in page))
            rows += len(page)
        await api.audit.count_read(read_id, rows)
    except Exception:
        log.exception("export %d failed after %d rows; cutting the connection", read_id, rows)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response


def _cells(row: Any) -> list[str]:
    values = list(row)
    values[_CAMPAIGN] = campaign_of(values[_CAMPAIGN])
    return [csv_cell(value) for value in values]


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
