"""Reading a submitted form: each field checked, each problem named by its field (in the
reader's language), and a confirm step for actions that change what is sent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from dispatcher.workspace.access.guard import Viewer
from dispatcher.workspace.rendering import render

__all__ = ["Form", "confirm_first"]


class Form:
    def __init__(self, data: Any, viewer: Viewer) -> None:
        self.data, self.t = data, viewer.t
        self.problems: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True, max_length: int = 2000) -> str | None:
        raw = self.data.get(name, "")
        value = raw.strip() if isinstance(raw, str) else ""
        if not value:
            if required:
                self.problems[name] = self.t("workspace.form.required")
            return None
        if len(value) > max_length:
            self.problems[name] = self.t("workspace.form.too_long", max=max_length)
            return None
        return value

    def choice(self, name: str, options: Iterable[str], *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_length=100)
        allowed = list(options)
        if value is not None and value not in allowed:
            self.problems[name] = self.t("workspace.form.choice", options=", ".join(allowed))
            return None
        return value

    @property
    def ok(self) -> bool:
        return not self.problems


def confirm_first(
    request: web.Request,
    viewer: Viewer,
    form: Any,
    *,
    summary: str,
    back: str,
    danger: bool = False,
) -> web.Response | None:
    """None once the person has confirmed; else the page asking them to, which posts the
    same fields again with ``confirmed``."""
    if form.get("confirmed") == "yes":
        return None
    fields = [(k, v) for k, v in form.items() if k not in ("csrf_token", "confirmed")]
    return render(
        request, viewer, "confirm.html",
        {"summary": summary, "fields": fields, "action": request.path, "danger": danger,
         "back": back},
    )  # fmt: skip
