"""Signing in and out, and choosing the language.

The sign-in form is protected before any session exists by a double-submit token: a
random cookie that the form must repeat. Every attempt, and each signing out, is in the
access log (``audit_reads``: ``signin.ok``, ``signin.failed``, ``signin.locked``,
``signout``).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from dispatcher.i18n import LOCALES
from dispatcher.workspace.access.guard import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Viewer,
    locale_of,
    requires,
)
from dispatcher.workspace.access.people import SignIn
from dispatcher.workspace.context import WORKSPACE
from dispatcher.workspace.rendering import error_page, render

__all__ = ["choose_language", "sign_in", "sign_in_page", "sign_out"]

_SIGNIN_COOKIE = "ws_signin"
_YEAR_S = 365 * 24 * 3600


async def sign_in_page(request: web.Request) -> web.Response:
    return _form(request, error_key=None)


async def sign_in(request: web.Request) -> web.StreamResponse:
    form: Any = await request.post()
    locale = locale_of(request)
    expected = request.cookies.get(_SIGNIN_COOKIE, "")
    given = form.get("csrf_token", "")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        return error_page(request, locale, 403, "workspace.errors.csrf")
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    workspace = request.app[WORKSPACE]
    result = await workspace.people.sign_in(username, password)
    # A name nobody has is not written: the access log is sealed and never erased, and what
    # was typed there may be a password typed in the wrong field.
    known = result.person.username if result.person is not None else "?"
    await workspace.api.audit.record_read(
        reader=f"person:{known}",
        action=f"signin.{'failed' if result.outcome is SignIn.WRONG else result.outcome}",
        filters={"remote": request.remote or ""},
    )
    if result.outcome is not SignIn.OK:
        key = "locked" if result.outcome is SignIn.LOCKED else "wrong"
        return _form(request, error_key=f"workspace.sign_in.{key}", username=username, status=401)
    assert result.token is not None
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", ""))))
    _set_cookie(request, response, SESSION_COOKIE, result.token, max_age=None)
    response.del_cookie(_SIGNIN_COOKIE, path="/workspace")
    raise response


@requires()
async def sign_out(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    workspace = request.app[WORKSPACE]
    await workspace.people.sign_out(request.cookies[SESSION_COOKIE])
    await workspace.api.audit.record_read(
        reader=f"person:{viewer.person.username}", action="signout",
        filters={"remote": request.remote or ""},
    )  # fmt: skip
    response = web.HTTPSeeOther("/workspace/sign-in")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def choose_language(request: web.Request) -> web.StreamResponse:
    """``/workspace/lang/zh-CN?next=...``: remembered in a cookie, and for the person."""
    locale = request.match_info["locale"]
    if locale not in LOCALES:
        raise web.HTTPNotFound()
    workspace = request.app[WORKSPACE]
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await workspace.people.session(token) if token else None
    if found is not None:
        await workspace.people.set_locale(found[0].id, locale)
    response = web.HTTPSeeOther(_safe_next(request.query.get("next", "")))
    _set_cookie(request, response, LANG_COOKIE, locale, max_age=_YEAR_S)
    raise response


def _form(
    request: web.Request, *, error_key: str | None, username: str = "", status: int = 200
) -> web.Response:
    token = request.cookies.get(_SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request, None, "sign_in.html",
        {"error_key": error_key, "username": username, "signin_token": token,
         "next": _safe_next(request.query.get("next", ""))},
        status=status, locale=locale_of(request),
    )  # fmt: skip
    _set_cookie(request, response, _SIGNIN_COOKIE, token, max_age=3600, path="/workspace")
    return response


def _set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    max_age: int | None,
    path: str = "/",
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="Strict",
        secure=request.app[WORKSPACE].api.deps.settings.workspace_secure_cookies,
    )  # fmt: skip


def _safe_next(raw: str) -> str:
    """Only a path on this site (never ``//evil`` or ``https://…``); else the home page."""
    parts = urlsplit(raw)
    if raw.startswith("/") and not raw.startswith("//") and not parts.scheme and not parts.netloc:
        return raw
    return "/workspace/"
