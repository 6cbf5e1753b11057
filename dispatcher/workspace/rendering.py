"""Pages rendered on the server: one Jinja2 environment, the person's language as ``t``,
the session's CSRF token in every form, and the navigation their roles allow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup

from dispatcher.i18n import Translator, format_money, has_key, translate
from dispatcher.workspace.context import WORKSPACE

if TYPE_CHECKING:
    from dispatcher.workspace.access.guard import Viewer

__all__ = ["error_page", "render", "term", "word"]

# Pages show people's records: never kept by a browser's or a proxy's cache.
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"


def render(
    request: web.Request,
    viewer: Viewer | None,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    locale: str | None = None,
) -> web.Response:
    """The page ``template`` (extending ``base.html``) for ``viewer`` (None: signed out)."""
    workspace = request.app[WORKSPACE]
    lang = viewer.locale if viewer is not None else locale
    assert lang is not None, "a signed-out page names its locale"
    nav = []
    if viewer is not None:
        nav = [entry for entry in workspace.nav if viewer.person.holds(*entry.roles)]
    csrf = viewer.csrf_token if viewer is not None else ""
    values: dict[str, Any] = {
        "t": Translator(lang),
        "lang": lang,
        "viewer": viewer,
        "nav": nav,
        "current_path": request.path,
        "here": quote(request.path_qs, safe=""),
        "money": lambda amount, currency: format_money(amount, currency, lang),
        "term": lambda group, value: term(lang, group, value),
        "word": lambda area, value: word(lang, area, value),
        "csrf_field": lambda: Markup('<input type="hidden" name="csrf_token" value="{}">').format(
            csrf
        ),
    }
    page = workspace.jinja.get_template(template).render({**values, **(context or {})})
    return web.Response(
        text=page,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={**_NO_STORE, "Content-Security-Policy": _CSP, "Content-Language": lang},
    )


def term(locale: str, group: str, value: str) -> str:
    """A word of the reasons' vocabulary (a hold's kind, a channel), else the value as is."""
    return word(locale, f"reasons.term.{group}", value)


def word(locale: str, area: str, value: str) -> str:
    """A value's word in a catalog area (a call's result in ``stats.result``, a
    disposition's kind in ``workspace.disposition``), else the value as is."""
    key = f"{area}.{value}"
    return translate(locale, key) if has_key(locale, key) else value


def error_page(request: web.Request, locale: str, status: int, message_key: str) -> web.Response:
    return render(
        request, None, "error.html", {"status": status, "message_key": message_key},
        status=status, locale=locale,
    )  # fmt: skip
