"""A contact as a page shows it in a list: when (on the debtor's clock, UTC on hover),
and, when the gate deferred or blocked it, why and until when."""

from __future__ import annotations

from typing import Any

from dispatcher.i18n import format_local, format_utc
from dispatcher.workspace.debtor.contacts import campaign_of, contact_time
from dispatcher.workspace.debtor.verdicts import plain_verdict

__all__ = ["shown_contact"]


def shown_contact(row: Any, locale: str, zone: str) -> dict[str, Any]:
    at = contact_time(row)
    verdict = plain_verdict(row.verdict, locale, zone)
    return {
        "row": row,
        "zone": zone,
        "at": at,
        "at_local": format_local(at, zone, locale),
        "at_utc": format_utc(at, locale),
        "campaign": campaign_of(row.requested_by) or "",
        "deciding": verdict.deciding if verdict else None,
        "disposition": (row.disposition or {}).get("kind", ""),
    }
