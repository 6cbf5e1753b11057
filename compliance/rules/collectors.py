"""Collectors: only a trained collector with a valid credential may call or visit (org pack)."""

from __future__ import annotations

from datetime import date

from compliance.gate import CollectorFact

__all__ = ["credential_problem"]


def credential_problem(fact: CollectorFact, *, on: date) -> str | None:
    """Why this collector may not call or visit on ``on`` (a local date), or None."""
    if not fact.active:
        return f"collector {fact.collector_id} is not active"
    if fact.trained_on is None:
        return f"collector {fact.collector_id} has not passed training"
    if fact.trained_on > on:
        return f"collector {fact.collector_id} passes training only on {fact.trained_on}"
    if fact.credential_expires is not None and fact.credential_expires < on:
        return f"collector {fact.collector_id}'s credential expired on {fact.credential_expires}"
    return None
