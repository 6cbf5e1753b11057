"""What the dispatcher counts as it works, for Prometheus (``GET /metrics``).

Counters and histograms only grow, and are updated where things happen (``instruments``):
a scrape reads them, never the contact log's rows, so it costs the same at 10M messages
as at 10k. Several worker and server processes on one host share them through
prometheus-client's multiprocess mode (``exposition.share_between_processes``).
"""

from dispatcher.metrics.exposition import render, share_between_processes
from dispatcher.metrics.instruments import (
    record_accepted,
    record_claim,
    record_provider_call,
    record_retry,
    record_send,
    record_verdict,
)

__all__ = [
    "record_accepted",
    "record_claim",
    "record_provider_call",
    "record_retry",
    "record_send",
    "record_verdict",
    "render",
    "share_between_processes",
]
