"""A value that names a term of its own (a civility category, a channel, a status), in the
reader's words: ``arrest_crime`` → 拘捕或犯罪 / "arrest or crime".

A problem's or a finding's parameters carry codes (what programs match on); a text a
person reads names each by the catalog area below, where that area has the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dispatcher.i18n.catalog import has_key, translate

__all__ = ["TERM_AREAS", "named_terms"]

# A parameter's name → the catalog area naming its values.
TERM_AREAS: Mapping[str, str] = {
    "kind": "workspace.disposition",
    "status": "workspace.status",
    "channel": "reasons.term.channel",
    "category": "reasons.term.categories",
    "result": "stats.result",
}


def named_terms(params: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """``params`` with each value that names a term in ``locale``'s words."""
    shown = dict(params)
    for name, area in TERM_AREAS.items():
        key = f"{area}.{params.get(name, '')}"
        if name in params and has_key(locale, key):
            shown[name] = translate(locale, key)
    return shown
