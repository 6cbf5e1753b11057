"""The workspace: server-rendered pages for the people who audit and collect.

Another room adds a page behind sign-in in three steps::

    # dispatcher/stats/pages.py
    from dispatcher.workspace import PersonRole, Viewer, add_page, render, requires

    @requires(PersonRole.SUPERVISOR, PersonRole.COMPLIANCE, PersonRole.ADMIN)
    async def statistics(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return render(request, viewer, "statistics.html", {"figures": ...})

    def add_statistics_page(app: web.Application) -> None:   # called in web/app.py,
        add_page(app, "/workspace/statistics", statistics,    # after add_workspace(app)
                 nav_key="stats.nav", templates=Path(__file__).with_name("templates"))

The template extends ``base.html`` and fills ``title`` and ``content``; it has ``t`` (the
person's language: ``t("stats.title")``, ``t.local(instant, zone)``), ``viewer``, ``lang``
and ``csrf_field()`` for its forms (every POST must carry it).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from dispatcher.workspace.access.guard import NotFound, Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.context import WORKSPACE, NavEntry, Workspace
from dispatcher.workspace.rendering import render

__all__ = [
    "NotFound", "PersonRole", "Viewer", "add_page", "add_workspace", "render", "requires",
]  # fmt: skip

STATIC = Path(__file__).with_name("static")


def add_workspace(app: web.Application) -> None:
    """Mount the workspace's pages under ``/workspace`` (``/`` leads there)."""
    from dispatcher.workspace import routes

    app[WORKSPACE] = Workspace.build(app)
    app.router.add_static("/workspace/static", STATIC)
    routes.add_routes(app)


def add_page(
    app: web.Application,
    path: str,
    handler: Handler,
    *,
    nav_key: str | None = None,
    method: str = "GET",
    templates: Path | None = None,
) -> None:
    """Serve ``handler`` (wrapped in ``requires``) at ``path``; list it in the navigation
    under ``nav_key`` for the people holding the roles it requires."""
    workspace = app[WORKSPACE]
    if templates is not None:
        workspace.add_templates(templates)
    app.router.add_route(method, path, handler)
    if nav_key is not None:
        roles = getattr(handler, "required_roles", frozenset(PersonRole))
        workspace.nav.append(NavEntry(path, nav_key, frozenset(roles) or frozenset(PersonRole)))
