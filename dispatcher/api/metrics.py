"""``GET /metrics`` in Prometheus' text format.

What the workers and servers counted as they worked (``dispatcher.metrics``: messages
accepted, verdicts by rule and decision, sends by outcome, retries, provider errors and
latency, claim delay), plus three figures read for the scrape, each at a fixed cost:
whether Redis answered, the queue's depth (ZCARD) and the active pauses (a handful of
rows). No query reads the messages table, so a scrape costs the same at 10M rows as at
10k. Aggregates only, so no key is needed (like ``/healthz``).
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from redis.exceptions import RedisError

from dispatcher.api.context import API, Api
from dispatcher.metrics import render

__all__ = ["metrics"]


async def metrics(request: web.Request) -> web.Response:
    api = request.app[API]
    depth = await _queue_depth(api)
    live: list[Metric] = [
        GaugeMetricFamily(
            "dispatcher_redis_up", "1 if Redis answered this scrape, else 0.",
            value=int(depth is not None),
        ),
        GaugeMetricFamily(
            "dispatcher_active_pauses", "Emergency pauses in force.",
            value=len(await api.pauses.list(active_only=True)),
        ),
    ]  # fmt: skip
    if depth is not None:  # no figure rather than a wrong one
        live.append(
            GaugeMetricFamily(
                "dispatcher_queue_depth", "Jobs in the arq queue (due now or later).", value=depth
            )
        )
    return web.Response(body=render(live), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _queue_depth(api: Api) -> int | None:
    """The queue's depth, or None while Redis cannot be reached: the counted figures are
    still served."""
    try:
        return await api.deps.queue.depth()
    except (RedisError, OSError):
        return None
