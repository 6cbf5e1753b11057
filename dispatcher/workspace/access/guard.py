"""Pages behind sign-in: ``@requires(*roles)`` hands the handler the signed-in person.

    @requires(PersonRole.SUPERVISOR, PersonRole.ADMIN)
    async def statistics(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return render(request, viewer, "statistics.html", {...})

No session: GET is sent to the sign-in page (and back afterwards); other methods get 401.
A person without any of the roles: 403. Every POST must carry the session's CSRF token
(field ``csrf_token``, which ``{{ csrf_field() }}`` writes into a form): without it, 403
and nothing is done. ``NotFound`` (a debtor not assigned to this collector, or none at
all) is answered 404 either way, so a page never tells whether a record exists.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from dispatcher.i18n import Translator, negotiate
from dispatcher.workspace.access.people import PersonRecord
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.rendering import error_page

__all__ = [
    "LANG_COOKIE", "SESSION_COOKIE", "NotFound", "Page", "Viewer", "locale_of", "requires",
]  # fmt: skip

SESSION_COOKIE = "ws_session"
LANG_COOKIE = "ws_lang"


class NotFound(Exception):
    """Nothing here for this person (whether or not it exists for others)."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page, in the language they read it in."""

    person: PersonRecord
    locale: str
    csrf_token: str

    @property
    def t(self) -> Translator:
        return Translator(self.locale)

    def holds(self, *roles: PersonRole) -> bool:
        return self.person.holds(*roles)


Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def locale_of(request: web.Request, preferred: str | None = None) -> str:
    """The person's saved choice, else the language cookie, else ``Accept-Language``."""
    chosen = preferred or request.cookies.get(LANG_COOKIE)
    return negotiate(request.headers.get("Accept-Language"), chosen)


def requires(*roles: PersonRole) -> Callable[[Page], Handler]:
    allowed = frozenset(roles)

    def wrap(page: Page) -> Handler:
        @functools.wraps(page)
        async def handler(request: web.Request) -> web.StreamResponse:
            workspace = request.app[WORKSPACE]
            token = request.cookies.get(SESSION_COOKIE, "")
            found = await workspace.people.session(token) if token else None
            if found is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther("/workspace/sign-in?next=" + quote(request.path_qs))
                return error_page(request, locale_of(request), 401, "workspace.errors.signed_out")
            person, csrf = found
            viewer = Viewer(person, locale_of(request, person.locale), csrf)
            if allowed and not person.holds(*allowed):
                return error_page(request, viewer.locale, 403, "workspace.errors.forbidden")
            if request.method not in ("GET", "HEAD") and not await _csrf_ok(request, csrf):
                return error_page(request, viewer.locale, 403, "workspace.errors.csrf")
            try:
                return await page(request, viewer)
            except NotFound:
                return error_page(request, viewer.locale, 404, "workspace.errors.not_found")

        handler.required_roles = allowed  # type: ignore[attr-defined]
        return handler

    return wrap


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    form: Any = await request.post()
    given = form.get("csrf_token", "")
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
