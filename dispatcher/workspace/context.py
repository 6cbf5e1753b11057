"""What the workspace's handlers work with, built once when the app is made: the people
store, the Jinja2 environment the pages render in, and the navigation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import jinja2
from aiohttp import web

from dispatcher.api.context import API, Api
from dispatcher.i18n import LOCALES
from dispatcher.workspace.access.people import Lockout, PeopleStore
from dispatcher.workspace.access.roles import PersonRole

__all__ = ["TEMPLATES", "WORKSPACE", "NavEntry", "Workspace"]

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class NavEntry:
    path: str
    label_key: str  # a catalog key: "workspace.nav.search"
    roles: frozenset[PersonRole]  # shown to people holding any of these


@dataclass
class Workspace:
    api: Api  # the API's stores (audit log, pauses, client): one set of logic for both
    people: PeopleStore
    jinja: jinja2.Environment
    template_dirs: list[Path]
    nav: list[NavEntry] = field(default_factory=list)

    @classmethod
    def build(cls, app: web.Application) -> Workspace:
        deps = app[API].deps
        settings = deps.settings
        people = PeopleStore(
            deps.log.engine,
            deps.clock,
            lockout=Lockout(
                failures=settings.workspace_lockout_failures,
                duration=timedelta(minutes=settings.workspace_lockout_min),
            ),
            session_length=timedelta(hours=settings.workspace_session_h),
        )
        dirs = [TEMPLATES]
        jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(dirs),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        jinja.globals["LOCALES"] = LOCALES
        jinja.filters["shown"] = _shown
        return cls(api=app[API], people=people, jinja=jinja, template_dirs=dirs)

    def add_templates(self, directory: Path) -> None:
        """Let another room's pages be found (they extend ``base.html``)."""
        if directory not in self.template_dirs:
            self.template_dirs.append(directory)
            self.jinja.loader = jinja2.FileSystemLoader(self.template_dirs)


def _shown(value: object) -> str:
    """A rule's input as a person reads it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


WORKSPACE = web.AppKey("workspace", Workspace)
