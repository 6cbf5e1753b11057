"""One debtor's file: every contact on every channel in one time line (by when it
happened, on the debtor's clock), with its verdict in plain language, and the debtor's
holds and accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.audit import HoldRow
from dispatcher.contactlog.models import Account, Debtor, Hold, Message
from dispatcher.i18n import format_local, format_utc
from dispatcher.workspace.debtor.contacts import campaign_of, contact_time, zone_of
from dispatcher.workspace.debtor.seal_status import SealStatus, seal_statuses
from dispatcher.workspace.debtor.verdicts import PlainVerdict, plain_verdict

__all__ = ["DebtorFile", "Entry", "letter_pdf", "load_debtor"]

MAX_ENTRIES = 500  # a debtor's most recent contacts; the search pages through the rest


@dataclass(frozen=True)
class Entry:
    id: str
    channel: str
    status: str
    at: datetime
    at_local: str
    at_utc: str
    template: str
    locale: str
    destination: str
    content: str | None
    verdict: PlainVerdict | None
    result: str | None
    disposition: dict[str, Any] | None
    recording_ref: str | None
    collector_id: str | None
    collector_ids: list[str]
    campaign: str
    error: str | None
    has_pdf: bool
    seal: SealStatus  # what the seal tables say of this entry's events
    sealed_at_local: str  # its checkpoint's time on the debtor's clock ("" if none)


@dataclass(frozen=True)
class DebtorFile:
    debtor_ref: str
    zone: str
    debtor: Any  # the debtors row, or None when only messages name the debtor
    accounts: list[Any]
    holds: list[HoldRow]
    entries: list[Entry]


async def load_debtor(
    engine: AsyncEngine, debtor_ref: str, *, locale: str, letters_root: Path
) -> DebtorFile | None:
    """The debtor's file, or None if the contact log knows nothing of this debtor."""
    async with engine.connect() as conn:
        debtor = (
            await conn.execute(select(Debtor.__table__).where(Debtor.debtor_ref == debtor_ref))
        ).first()
        messages = list(
            await conn.execute(
                select(Message.__table__)
                .where(Message.debtor_ref == debtor_ref)
                .order_by(Message.id.desc())
                .limit(MAX_ENTRIES)
            )
        )
        if debtor is None and not messages:
            return None
        seals = await seal_statuses(conn, [m.id for m in messages])
        accounts = list(
            await conn.execute(
                select(Account.__table__)
                .where(Account.debtor_ref == debtor_ref)
                .order_by(Account.account_ref)
            )
        )
        holds = [
            HoldRow(**{k: getattr(r, k) for k in HoldRow.__dataclass_fields__})
            for r in await conn.execute(
                select(Hold.__table__).where(Hold.debtor_ref == debtor_ref).order_by(Hold.id)
            )
        ]
    first_destination = messages[0].destination if messages else ""
    zone = zone_of(
        debtor.time_zone if debtor else None,
        first_destination,
        debtor.country if debtor else None,
    )
    entries = [_entry(m, seals[m.id], locale, zone, letters_root) for m in messages]
    entries.sort(key=lambda e: e.at, reverse=True)
    return DebtorFile(debtor_ref, zone, debtor, accounts, holds, entries)


def letter_pdf(row: Any, letters_root: Path) -> Path | None:
    """The stored PDF of a letter the print room wrote, if it is there."""
    if row.channel != "letter" or row.provider != "print_room" or not row.provider_message_id:
        return None
    path = (letters_root / row.provider_message_id).resolve()
    if not path.is_relative_to(letters_root.resolve()) or path.suffix != ".pdf":
        return None
    return path if path.is_file() else None


def _entry(row: Any, seal: SealStatus, locale: str, zone: str, letters_root: Path) -> Entry:
    at = contact_time(row)
    return Entry(
        id=row.id,
        channel=row.channel,
        status=row.status,
        at=at,
        at_local=format_local(at, zone, locale),
        at_utc=format_utc(at, locale),
        template=f"{row.template_name} ({row.locale})",
        locale=row.locale,
        destination=row.destination,
        content=row.content,
        verdict=plain_verdict(row.verdict, locale, zone),
        result=row.result,
        disposition=row.disposition,
        recording_ref=row.recording_ref,
        collector_id=row.collector_id,
        collector_ids=list(row.collector_ids or []),
        campaign=campaign_of(row.requested_by) or "",
        error=row.error_text,
        has_pdf=letter_pdf(row, letters_root) is not None,
        seal=seal,
        sealed_at_local=format_local(seal.sealed_at, zone, locale) if seal.sealed_at else "",
    )
