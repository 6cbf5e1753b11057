"""The statistics page (``/workspace/stats``): the figures of ``GET /v1/stats`` as charts
drawn on the server (SVG) with the tables beside them, in the reader's language."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from dispatcher.workspace import add_page
from dispatcher.workspace.stats.pages import statistics

__all__ = ["add_statistics_page"]


STATIC = Path(__file__).with_name("static")


def add_statistics_page(app: web.Application) -> None:
    app.router.add_static("/workspace/stats/static", STATIC)
    add_page(
        app, "/workspace/stats", statistics, nav_key="stats.nav",
        templates=Path(__file__).with_name("templates"),
    )  # fmt: skip
