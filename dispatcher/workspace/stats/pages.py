"""The statistics page's handler: the same filter and figures as ``GET /v1/stats``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from dispatcher.api.bodies import Query
from dispatcher.api.problems import Problem
from dispatcher.i18n import Translator, format_count, format_money, format_rate
from dispatcher.stats.api import stats_filter
from dispatcher.stats.charts import Bar, bar_chart
from dispatcher.stats.query import figures
from dispatcher.workspace import PersonRole, Viewer, render, requires
from dispatcher.workspace.context import WORKSPACE

__all__ = ["statistics"]

FIELDS = ("from", "to", "team", "portfolio", "collector")


@requires(PersonRole.SUPERVISOR, PersonRole.COMPLIANCE, PersonRole.ADMIN)
async def statistics(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    deps = request.app[WORKSPACE].api.deps
    today = deps.clock.now().date()
    given = {name: request.query.get(name, "") for name in FIELDS}
    try:
        wanted = stats_filter(Query(request), today)
    except Problem as problem:
        errors = {p.field: p.problem for p in problem.errors}
        return render(request, viewer, "stats.html", {"given": given, "errors": errors,
                                                      "found": None}, status=422)  # fmt: skip
    found = await figures(
        deps.log.engine, wanted, grace_days=deps.settings.stats_promise_grace_days, today=today,
        attribution_days=deps.settings.stats_attribution_days,
    )  # fmt: skip
    given |= {"from": wanted.start.isoformat(), "to": wanted.end.isoformat()}
    return render(request, viewer, "stats.html", {
        "given": given, "errors": {}, "found": found, **shown(found, viewer.t),
    })  # fmt: skip


def shown(found: dict[str, Any], t: Translator) -> dict[str, Any]:
    """The charts and the numbers as the reader's locale writes them."""
    lang = t.locale
    per_day: dict[str, int] = {}
    by_kind: dict[tuple[str, str], int] = {}
    for row in found["contacts_by_day"]:
        per_day[row["day"]] = per_day.get(row["day"], 0) + row["count"]
        kind = (row["channel"], row["result"])
        by_kind[kind] = by_kind.get(kind, 0) + row["count"]

    def count(n: int) -> str:
        return format_count(n, lang)

    def rate(fraction: str | None) -> str:
        return "—" if fraction is None else format_rate(Decimal(fraction), lang)

    def money(amount: str, code: str) -> str:
        return format_money(Decimal(amount), code, lang)

    return {
        "count": count,
        "rate": rate,
        "money": money,
        "by_kind": sorted(by_kind.items()),
        "days_chart": bar_chart(
            "chart-days", t("stats.charts.contacts_per_day"),
            [Bar(day, n, count(n)) for day, n in sorted(per_day.items())], empty=t("stats.none"),
        ),
        "kinds_chart": bar_chart(
            "chart-kinds", t("stats.charts.contacts_by_result"),
            [Bar(f"{t('stats.channel.' + c)} · {t('stats.result.' + r)}", n, count(n))
             for (c, r), n in sorted(by_kind.items())], empty=t("stats.none"),
        ),
        "refusals_chart": bar_chart(
            "chart-refusals", t("stats.charts.refusals_by_rule"),
            [Bar(r["rule_id"], r["count"], count(r["count"])) for r in found["refusals_by_rule"]],
            empty=t("stats.none"),
        ),
    }  # fmt: skip
