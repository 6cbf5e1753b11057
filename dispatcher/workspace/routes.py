"""The workspace's own routes, and its navigation."""

from __future__ import annotations

from aiohttp import web

from dispatcher.workspace.access import signin
from dispatcher.workspace.access.guard import Viewer, requires
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.actions import pauses as pause_pages
from dispatcher.workspace.actions import template_pages
from dispatcher.workspace.context import WORKSPACE, NavEntry
from dispatcher.workspace.debtor import pages as debtor_pages
from dispatcher.workspace.desk import pages as desk
from dispatcher.workspace.rendering import render
from dispatcher.workspace.search import pages as search_pages

__all__ = ["add_routes"]


def add_routes(app: web.Application) -> None:
    route = app.router
    route.add_get("/", to_workspace)
    route.add_get("/workspace", to_workspace)
    route.add_get("/workspace/", home)
    route.add_get("/workspace/sign-in", signin.sign_in_page)
    route.add_post("/workspace/sign-in", signin.sign_in)
    route.add_post("/workspace/sign-out", signin.sign_out)
    route.add_get("/workspace/lang/{locale}", signin.choose_language)
    route.add_get("/workspace/debtors/{debtor_ref}", debtor_pages.debtor_page)
    route.add_post("/workspace/debtors/{debtor_ref}/holds", debtor_pages.change_hold)
    route.add_post("/workspace/debtors/{debtor_ref}/flags", debtor_pages.change_flag)
    route.add_get("/workspace/letters/{message_id}.pdf", debtor_pages.letter_file)
    route.add_get("/workspace/search", search_pages.search_page)
    route.add_get("/workspace/search.csv", search_pages.export_csv)
    route.add_get("/workspace/search.xlsx", search_pages.export_xlsx)
    route.add_get("/workspace/templates", template_pages.template_list)
    one_template = "/workspace/templates/{channel}/{locale}/{name}"
    route.add_get(one_template, template_pages.template_page)
    route.add_post(one_template, template_pages.approve)
    route.add_get("/workspace/pauses", pause_pages.pauses_page)
    route.add_post("/workspace/pauses", pause_pages.change_pause)
    route.add_get("/workspace/desk", desk.desk_page)
    route.add_post("/workspace/desk/call", desk.call_now)
    route.add_post("/workspace/desk/calls/{message_id}/disposition", desk.dispose)
    nav = app[WORKSPACE].nav
    everyone = frozenset(PersonRole)
    nav.append(NavEntry("/workspace/", "workspace.nav.home", everyone))
    nav.append(NavEntry("/workspace/desk", "workspace.nav.desk", frozenset({PersonRole.COLLECTOR})))
    nav.append(NavEntry("/workspace/search", "workspace.nav.search", everyone))
    reviewers = frozenset(template_pages.REVIEWERS)
    nav.append(NavEntry("/workspace/templates", "workspace.nav.templates", reviewers))
    nav.append(
        NavEntry("/workspace/pauses", "workspace.nav.pauses", frozenset(pause_pages.PAUSERS))
    )


async def to_workspace(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/workspace/")


@requires()
async def home(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return render(request, viewer, "home.html")
