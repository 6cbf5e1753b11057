"""Messages as the API shows them, in full or masked, depending on who asks.

Masked (the strategy role): destinations and any phone number inside verdicts, events
and errors become ``+86*********00``; a postal address keeps only its country (the name
becomes ``W***``, each line ``***``; a debtor's home address also keeps its region); the
rendered content is left out. Compliance and collectors see everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.rules.pause import campaign_of
from dispatcher.i18n import explain

__all__ = [
    "debtor_contact_json",
    "debtor_zone",
    "event_json",
    "mask_address",
    "mask_phone",
    "masked",
    "message_json",
    "on_debtors_clock",
    "verdict_summary",
]

_PHONE = re.compile(r"\+\d{6,15}")

_FIELDS = (
    "id", "idempotency_key", "debtor_ref", "account_ref", "channel", "template_name",
    "template_version", "locale", "destination", "address", "content", "segments",
    "requested_by", "created_at", "scheduled_for", "valid_until", "updated_at", "status",
    "attempts", "provider", "provider_message_id", "error_code", "error_text",
    "error_retryable",
)  # fmt: skip
_TIMES = ("created_at", "scheduled_for", "valid_until", "updated_at")


def mask_phone(number: str) -> str:
    if len(number) < 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def mask_address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A letter's or visit's address as the strategy role sees it: the country, no more."""
    if address is None:
        return None
    name = str(address.get("name") or "")
    code = address.get("postal_code")
    return {
        "name": name[:1] + "***" if name else "",
        "lines": ["***" for _ in address.get("lines") or ()],
        "postal_code": None if code is None else "***",
        "country": address.get("country"),
    }


def debtor_contact_json(
    phones: list[dict[str, Any]] | None, address: Mapping[str, Any] | None, *, full: bool
) -> dict[str, Any]:
    """A debtor's phones and home address; masked (strategy): each number as ``+12*******34``
    with its type and consent, the address down to its country and region."""
    if full:
        return {"phones": phones, "address": None if address is None else dict(address)}
    shown_phones = (
        None if phones is None else [{**p, "number": mask_phone(p["number"])} for p in phones]
    )
    shown_address = None
    if address is not None:
        code = address.get("postal_code")
        shown_address = {
            "lines": ["***" for _ in address.get("lines") or ()],
            "postal_code": None if code is None else "***",
            "country": address.get("country"),
            "region": address.get("region"),
        }
    return {"phones": shown_phones, "address": shown_address}


def masked(value: Any) -> Any:
    """``value`` with every phone number in every string masked."""
    if isinstance(value, str):
        return _PHONE.sub(lambda m: mask_phone(m[0]), value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def message_json(
    row: Mapping[Any, Any], *, full: bool, verdict: str, locale: str | None = None
) -> dict[str, Any]:
    """One message; ``verdict`` is "full" (every rule's answer) or "summary". With a
    ``locale``, the verdict also says why in that language (``explained``: the deciding
    rule first, times on the debtor's clock)."""
    shown = {name: _plain(row[name]) for name in _FIELDS}
    shown["campaign"] = campaign_of(row["requested_by"])
    record = row["verdict"]
    zone = debtor_zone(
        row.get("debtor_time_zone"), None if record is None else record.get("time_zone")
    )
    shown["time_zone"] = zone
    shown["local_times"] = None if zone is None else on_debtors_clock(row, _TIMES, zone)
    shown["verdict"] = (
        None if record is None else record if verdict == "full" else verdict_summary(record)
    )
    if record is not None and locale is not None:
        shown["verdict"] = {**shown["verdict"], "explained": explain(record, locale, None)}
    if full:
        return shown
    shown["content"] = None
    shown["address"] = mask_address(shown["address"])
    return dict(masked(shown))


def verdict_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    # until_local, code: verdicts since reason codes; citations: since packs cite in more
    # than one language (None before, and where only English exists)
    keys = (
        "decision", "rule_id", "reason", "code", "citation", "citations", "until", "until_local",
    )  # fmt: skip
    return {k: record.get(k) for k in keys}


def event_json(row: Mapping[Any, Any], *, full: bool) -> dict[str, Any]:
    shown = {
        "at": _plain(row["at"]),
        "source": row["source"],
        "status": row["status"],
        "detail": row["detail"],
    }
    return shown if full else dict(masked(shown))


def debtor_zone(recorded: str | None, decided: Any) -> str | None:
    """The debtor's zone as recorded, else the one the verdict applied (``decided``: its
    ``time_zone``); None if neither is a zone this machine knows."""
    for zone in (recorded, decided):
        if isinstance(zone, str) and zone:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return zone
    return None


def on_debtors_clock(row: Mapping[str, Any], names: tuple[str, ...], zone: str) -> dict[str, str]:
    """Each of ``names`` that holds a time, on the clock of ``zone`` with its offset then."""
    tz = ZoneInfo(zone)
    return {
        name: (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz).isoformat()
        for name in names
        if isinstance(value := row[name], datetime)
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
