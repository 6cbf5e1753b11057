"""The changes feed: ``GET /v1/events?after=CURSOR&limit=N&wait=SECONDS``.

The same events as the webhooks, in the journal's order, from the start or after the
cursor a previous answer gave. With ``wait``, an empty answer is held until an event
commits or the wait is over (long-poll). Strategy sees personal data masked, as in
message reads; compliance sees it in full, and its reads are logged like theirs.
"""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import PEOPLE, allow
from dispatcher.api.bodies import Query
from dispatcher.api.context import API, Api
from dispatcher.api.problems import Problem
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.errors import FieldProblem
from dispatcher.events.feed import CursorPruned, decode_cursor, next_page
from dispatcher.events.projector import Projection

__all__ = ["MAX_WAIT_S", "PROJECTION", "add_event_routes", "list_events"]

MAX_WAIT_S = 30  # what a request may ask for; EVENTS_MAX_WAIT_S may hold it shorter
PROJECTION = web.AppKey("events_projection", Projection)


def add_event_routes(app: web.Application) -> None:
    deps = app[API].deps
    app[PROJECTION] = Projection(deps.log.engine, deps.clock)
    app.router.add_get("/v1/events", list_events)


@allow(Role.STRATEGY, Role.COMPLIANCE)
async def list_events(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    cursor = query.text("after", max_length=64)
    limit = query.integer("limit", default=100, minimum=1, maximum=1000)
    wait = query.integer("wait", default=0, minimum=0, maximum=MAX_WAIT_S)
    after = 0
    if cursor is not None:
        try:
            after = decode_cursor(cursor)
        except ValueError:
            query.fail("after", "not a cursor this API returned", "query.cursor")
    query.finish()
    wait_s = min(wait, api.deps.settings.events_max_wait_s)
    try:
        page = await next_page(
            request.app[PROJECTION], after=after, limit=limit, wait_s=wait_s,
            full=key.role is not Role.STRATEGY,
        )  # fmt: skip
    except CursorPruned as exc:
        raise _gone(exc) from None
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="events.read",
            filters={"after": cursor, "limit": limit}, rows=len(page.items),
        )  # fmt: skip
    return web.json_response({"items": page.items, "next_cursor": page.next_cursor})


def _gone(exc: CursorPruned) -> Problem:
    """410: the events after this cursor are no longer kept; never skipped in silence."""
    after = FieldProblem(
        "after", "events after this cursor were pruned: read again without it",
        code="query.cursor_pruned",
    )  # fmt: skip
    return Problem(
        410, str(exc), errors=[after], code="cursor_pruned", params={"cursor": exc.cursor}
    )
