"""``GET /metrics`` in Prometheus' text format: the contact log by channel, status and rule,
the queue's depth and the active pauses. Aggregates only, so no key is needed (like
``/healthz``); each scrape runs two GROUP BY queries over the messages table.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from dispatcher.api.context import API

__all__ = ["metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def metrics(request: web.Request) -> web.Response:
    api = request.app[API]
    lines: list[str] = []
    by_status = await api.audit.counts_by_channel_status()
    _family(
        lines, "dispatcher_messages", "Messages in the contact log, by channel and status.",
        (({"channel": c, "status": s}, n) for c, s, n in by_status),
    )  # fmt: skip
    _family(
        lines, "dispatcher_messages_by_rule",
        "Messages whose verdict a rule decided (blocked or deferred), by rule and status.",
        (({"rule_id": r, "status": s}, n) for r, s, n in await api.audit.counts_by_rule()),
    )  # fmt: skip
    _family(
        lines, "dispatcher_queue_depth", "Jobs in the arq queue (due now or later).",
        [({}, await api.deps.queue.depth())],
    )  # fmt: skip
    _family(
        lines, "dispatcher_active_pauses", "Emergency pauses in force.",
        [({}, len(await api.pauses.list(active_only=True)))],
    )  # fmt: skip
    return web.Response(body="\n".join(lines) + "\n", headers={"Content-Type": CONTENT_TYPE})


def _family(
    lines: list[str], name: str, help_text: str, samples: Iterable[tuple[dict[str, str], int]]
) -> None:
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        shown = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{shown}}} {value}" if shown else f"{name} {value}")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
