"""``GET /metrics`` in Prometheus' text format: the contact log by channel, status and rule,
the queue's depth, the active pauses and how far behind the workers run (a histogram of
the last hour's claims, computed from the log). Aggregates only, so no key is needed (like
``/healthz``); each scrape runs two GROUP BY queries and one indexed range read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from aiohttp import web
from redis.exceptions import RedisError

from dispatcher.api.context import API, Api

__all__ = ["metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_WINDOW = timedelta(hours=1)
LATENCY_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0)


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
    depth = await _queue_depth(api)
    _family(
        lines, "dispatcher_redis_up", "1 if Redis answered this scrape, else 0.",
        [({}, int(depth is not None))],
    )  # fmt: skip
    _family(
        lines, "dispatcher_queue_depth", "Jobs in the arq queue (due now or later).",
        [({}, depth)] if depth is not None else [],
    )  # fmt: skip
    _family(
        lines, "dispatcher_active_pauses", "Emergency pauses in force.",
        [({}, len(await api.pauses.list(active_only=True)))],
    )  # fmt: skip
    since = api.deps.clock.now() - LATENCY_WINDOW
    _histogram(
        lines, "dispatcher_send_delay_seconds",
        "Seconds from when an attempt was due to when a worker claimed it, last hour.",
        await api.audit.send_delays(since=since),
    )  # fmt: skip
    return web.Response(body="\n".join(lines) + "\n", headers={"Content-Type": CONTENT_TYPE})


async def _queue_depth(api: Api) -> int | None:
    """The queue's depth, or None while Redis cannot be reached: the contact log's figures
    are still served (the log, not Redis, is the record)."""
    try:
        return await api.deps.queue.depth()
    except (RedisError, OSError):
        return None


def _histogram(
    lines: list[str], name: str, help_text: str, samples: list[tuple[str, float]]
) -> None:
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    by_channel: dict[str, list[float]] = {}
    for channel, seconds in samples:
        by_channel.setdefault(channel, []).append(seconds)
    for channel, values in sorted(by_channel.items()):
        label = f'channel="{_escape(channel)}"'
        for bound in LATENCY_BUCKETS:
            count = sum(1 for v in values if v <= bound)
            lines.append(f'{name}_bucket{{{label},le="{bound:g}"}} {count}')
        lines.append(f'{name}_bucket{{{label},le="+Inf"}} {len(values)}')
        lines.append(f"{name}_sum{{{label}}} {sum(values):.3f}")
        lines.append(f"{name}_count{{{label}}} {len(values)}")


def _family(
    lines: list[str], name: str, help_text: str, samples: Iterable[tuple[dict[str, str], int]]
) -> None:
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        shown = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{shown}}} {value}" if shown else f"{name} {value}")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
