"""The search page and its exports (CSV, XLSX): the same query, the same rows.

Each search and each export is in the access log (``workspace.search``,
``workspace.export``) with its filters and how many rows it returned."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.workspace.access.guard import Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.debtor.flags import flags_of
from dispatcher.workspace.forms import Form
from dispatcher.workspace.rendering import render
from dispatcher.workspace.search.exports import csv_chunks, xlsx_file
from dispatcher.workspace.search.query import Search, pages, parse_search, row_zone, search
from dispatcher.workspace.shown import shown_contact

__all__ = ["EXPORTERS", "export_csv", "export_xlsx", "search_page"]

PAGE_SIZE = 50
EXPORTERS = (PersonRole.COMPLIANCE, PersonRole.SUPERVISOR, PersonRole.ADMIN)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@requires()
async def search_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    form = Form(request.query, viewer)
    query = parse_search(form)
    cursor = request.query.get("cursor") or None
    workspace = request.app[WORKSPACE]
    rows: list[Any] = []
    next_cursor = None
    if form.ok and not query.empty:
        rows, next_cursor = await search(
            workspace.api.deps.log.engine, query, viewer.person, before=cursor, limit=PAGE_SIZE
        )
        await workspace.api.audit.record_read(
            reader=viewer.person.label, action="workspace.search", debtor_ref=query.debtor_ref,
            filters={**query.to_json(), "cursor": cursor}, rows=len(rows),
        )  # fmt: skip
    params = {k: v for k, v in request.query.items() if k != "cursor" and v}
    return render(
        request, viewer, "search.html",
        {"query": query, "given": params, "problems": form.problems,
         "results": [shown_contact(row, viewer.locale, row_zone(row)) for row in rows],
         "next_cursor": next_cursor,
         "flag_map": await flags_of(
             workspace.api.deps.log.engine, (row.debtor_ref for row in rows)
         ),
         "channels": list(ChannelKind), "statuses": list(MessageStatus),
         "may_export": viewer.holds(*EXPORTERS), "searched": not query.empty and form.ok},
        status=200 if form.ok else 422,
    )  # fmt: skip


@requires(*EXPORTERS)
async def export_csv(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    query, read_id = await _export_query(request, viewer, "csv")
    workspace = request.app[WORKSPACE]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="contacts.csv"',
            "Cache-Control": "no-store",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    count = _Counter()
    batches = count.through(pages(workspace.api.deps.log.engine, query, viewer.person))
    async for chunk in csv_chunks(batches, viewer.t):
        await response.write(chunk)
    await workspace.api.audit.count_read(read_id, count.rows)
    await response.write_eof()
    return response


@requires(*EXPORTERS)
async def export_xlsx(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    query, read_id = await _export_query(request, viewer, "xlsx")
    workspace = request.app[WORKSPACE]
    body, rows = await xlsx_file(
        pages(workspace.api.deps.log.engine, query, viewer.person), viewer.t
    )
    await workspace.api.audit.count_read(read_id, rows)
    return web.Response(
        body=body,
        content_type=_XLSX,
        headers={
            "Content-Disposition": 'attachment; filename="contacts.xlsx"',
            "Cache-Control": "no-store",
        },
    )


async def _export_query(request: web.Request, viewer: Viewer, kind: str) -> tuple[Search, int]:
    form = Form(request.query, viewer)
    query = parse_search(form)
    if not form.ok:
        raise web.HTTPUnprocessableEntity(
            text="; ".join(f"{k}: {v}" for k, v in form.problems.items())
        )
    read_id = await request.app[WORKSPACE].api.audit.record_read(
        reader=viewer.person.label, action="workspace.export", debtor_ref=query.debtor_ref,
        filters={**query.to_json(), "format": kind},
    )  # fmt: skip
    return query, read_id


class _Counter:
    def __init__(self) -> None:
        self.rows = 0

    async def through(self, batches: Any) -> Any:
        async for batch in batches:
            self.rows += len(batch)
            yield batch
