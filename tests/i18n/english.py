"""English words in a text meant for a zh-CN reader.

What may stand in a Chinese text as it is: placeholders, codes (``debtor_ref``,
``E.164``, ``/v1/debtors``, ``YYYY-MM-DD``, ``CNY``), names a caller types as they are
(JSON's literals, and the API's field names and values as ``openapi.json`` declares them),
and proper names (Twilio, Redis, Excel). Any other word of Latin letters is English a
Chinese reader should not meet.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["ALLOWED", "api_names", "english_words"]

ALLOWED = frozenset({
    # proper names and the names of formats, standards and protocols
    "Twilio", "Redis", "Excel", "English", "IANA", "PostgreSQL", "SQLite", "Chromium",
    "Authorization", "Bearer", "base64", "http", "https", "whsec",
    # JSON's literals
    "true", "false", "null",
})  # fmt: skip
_OPENAPI = Path(__file__).parents[2] / "dispatcher" / "api" / "openapi.json"

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_./:\-]*")


def _is_code(token: str) -> bool:
    """``debtor_ref``, ``E.164``, ``T09``, ``v1``, ``Asia/Shanghai``: a name, not a word;
    ``CNY``, ``HH``, ``YYYY-MM-DD``: an abbreviation or a format."""
    if any(c in token for c in "_./:") or any(c.isdigit() for c in token):
        return True
    return all(part.isupper() and len(part) <= 5 for part in token.split("-"))


@functools.cache
def api_names() -> frozenset[str]:
    """Every field, parameter and enumerated value of the HTTP API: a problem's text names
    them as the caller writes them."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties") or {})
            names.update(str(v) for v in node.get("enum") or [])
            if node.get("in") in ("query", "path", "header"):
                names.add(str(node.get("name")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(_OPENAPI.read_text(encoding="utf-8")))
    return frozenset(names)


def english_words(text: str, *, data: Iterable[str] = ()) -> list[str]:
    """The English words in ``text``; ``data``: parts that came from records or from what
    a person typed (shown as they are), not from us."""
    for part in sorted(data, key=len, reverse=True):
        if part:
            text = text.replace(part, " ")
    text = _PLACEHOLDER.sub(" ", text)
    words = (token.rstrip(".-:/") for token in _TOKEN.findall(text))
    known = ALLOWED | api_names()
    return [w for w in words if w and w not in known and not _is_code(w)]
