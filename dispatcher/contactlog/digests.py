"""Hashes of what a move writes to the message row, recorded in its event.

Events are sealed (dispatcher/proof); the row is not (its status moves on). With the
SHA-256 of the content sent and of the verdict in the sealed event, an edit of the row's
content or verdict afterwards is caught by ``dispatcher audit verify``. The content's
hash is personal data (a short text can be guessed from it): it enters the sealed leaf
only inside the debtor's commitment, and retention erases it from the event.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = [
    "CanonicalJSON",
    "canonical_json",
    "change_digests",
    "content_digest",
    "sealed_move",
    "verdict_digest",
]


class CanonicalJSON(str):
    """A value already written as canonical JSON: its digest is of these very characters,
    and the hot path's pool sends them as they are (a 5 KB verdict encoded once, not twice)."""


def canonical_json(value: Any) -> CanonicalJSON:
    """Sorted keys, no spaces, characters as they are: what the digests are taken of."""
    return CanonicalJSON(
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    )


def content_digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def verdict_digest(verdict: Any) -> str:
    canonical = verdict if isinstance(verdict, CanonicalJSON) else canonical_json(verdict)
    return hashlib.sha256(canonical.encode()).hexdigest()


def change_digests(changes: dict[str, Any]) -> dict[str, str]:
    digests = {}
    if changes.get("content") is not None:
        digests["content_sha256"] = content_digest(changes["content"])
    if changes.get("verdict") is not None:
        digests["verdict_sha256"] = verdict_digest(changes["verdict"])
    return digests


def sealed_move(
    detail: dict[str, Any], changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A move's event detail with the digests of what it writes, and the changes as written
    (a verdict as the canonical JSON its digest is of)."""
    if changes.get("verdict") is not None:
        changes = {**changes, "verdict": canonical_json(changes["verdict"])}
    return {**detail, **change_digests(changes)}, changes
