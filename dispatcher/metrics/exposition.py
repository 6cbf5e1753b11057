"""The text a scrape returns, from this process or from every process on the host.

In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set, as ``share_between_processes``
does for ``dispatcher worker`` and ``dispatcher serve``), each process writes its series
to files in that folder and a scrape adds them up: counters of processes that have ended
are kept, so they never go down. Without it, a scrape shows this process's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from dispatcher.settings import Settings

__all__ = ["render", "share_between_processes"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def share_between_processes(settings: Settings) -> Path:
    """Turn on multiprocess mode in this process and in the processes it starts."""
    folder = settings.shared_metrics_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]  # read at import
    return folder


class _Live(Collector):
    """Figures read for this scrape (queue depth, pauses): gauges, not stored."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def render(live: Iterable[Metric]) -> bytes:
    if folder := os.environ.get(MULTIPROC_ENV):
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=folder)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    now = CollectorRegistry()
    now.register(_Live(live))
    return generate_latest(counted) + generate_latest(now)
