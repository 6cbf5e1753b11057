"""The counters and histograms, and one function per place that updates them.

Every metric has labels, so its series are made on first use: a process that turns on
multiprocess mode at start-up (``share_between_processes``) has made none before.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

from compliance import Verdict

__all__ = [
    "record_accepted",
    "record_claim",
    "record_provider_call",
    "record_retry",
    "record_send",
    "record_verdict",
]

# A *_created series beside each counter and histogram doubles a scrape for nothing.
disable_created_metrics()  # type: ignore[no-untyped-call]

ACCEPTED = Counter(
    "dispatcher_messages_accepted",
    "Messages the contact log accepted (new, not idempotent repeats), by channel.",
    ["channel"],
)
VERDICTS = Counter(
    "dispatcher_verdicts",
    "Compliance verdicts a worker acted on, by channel, deciding rule and decision "
    '(rule_id "" for an allowed message).',
    ["channel", "rule_id", "decision"],
)
SENDS = Counter(
    "dispatcher_sends",
    "Messages handed to a provider, by channel and outcome "
    "(sent, retry, failed, unknown: the provider may have taken it).",
    ["channel", "outcome"],
)
RETRIES = Counter(
    "dispatcher_retries",
    "Sends queued again after a transient provider error, by channel.",
    ["channel"],
)
PROVIDER_ERRORS = Counter(
    "dispatcher_provider_errors",
    "Provider errors by channel, provider and error code.",
    ["channel", "provider", "code"],
)
PROVIDER_LATENCY = Histogram(
    "dispatcher_provider_latency_seconds",
    "Seconds one provider call took, whatever its outcome, by channel and provider.",
    ["channel", "provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CLAIM_DELAY = Histogram(
    "dispatcher_claim_delay_seconds",
    "Seconds from when an attempt was due to when a worker claimed it (how far the workers "
    "run behind, not how long a rule held a message back), by channel.",
    ["channel"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0),
)


def record_accepted(channel: str, count: int = 1) -> None:
    ACCEPTED.labels(channel).inc(count)


def record_verdict(channel: str, verdict: Verdict) -> None:
    deciding = verdict.deciding
    VERDICTS.labels(channel, deciding.rule_id if deciding else "", verdict.decision.value).inc()


def record_claim(channel: str, delay_s: float) -> None:
    CLAIM_DELAY.labels(channel).observe(max(0.0, delay_s))


def record_provider_call(
    channel: str, provider: str, seconds: float, error_code: str | None = None
) -> None:
    PROVIDER_LATENCY.labels(channel, provider).observe(seconds)
    if error_code is not None:
        PROVIDER_ERRORS.labels(channel, provider, error_code).inc()


def record_send(channel: str, outcome: str) -> None:
    SENDS.labels(channel, outcome).inc()


def record_retry(channel: str) -> None:
    RETRIES.labels(channel).inc()
