"""Hashes of what a move writes to the message row, recorded in its event.

Events are sealed (dispatcher/proof); the row is not (its status moves on). With the
SHA-256 of the content sent and of the verdict in the sealed event, an edit of the row's
content afterwards is caught by ``dispatcher audit verify``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["change_digests", "content_digest"]


def content_digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def change_digests(changes: dict[str, Any]) -> dict[str, str]:
    digests = {}
    if changes.get("content") is not None:
        digests["content_sha256"] = content_digest(changes["content"])
    if changes.get("verdict") is not None:
        canonical = json.dumps(
            changes["verdict"], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
            default=str,
        )  # fmt: skip
        digests["verdict_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    return digests
