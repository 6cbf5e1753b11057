"""What a person searched for, as a file: CSV (with a UTF-8 byte order mark, for Excel)
or XLSX. Headers, channels, statuses, results and dispositions in the person's language,
as the pages show them; times on the debtor's clock, and in UTC."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import xlsxwriter

from dispatcher.api.export import BOM, csv_bytes, csv_cell
from dispatcher.i18n import Translator, format_local
from dispatcher.workspace.debtor.contacts import campaign_of, contact_time
from dispatcher.workspace.debtor.verdicts import plain_verdict
from dispatcher.workspace.rendering import word
from dispatcher.workspace.search.query import row_zone

__all__ = ["COLUMNS", "csv_chunks", "export_row", "xlsx_file"]

# Column name → its header's key in the workspace catalogs.
COLUMNS = (
    "message", "time", "time_utc", "zone", "debtor", "account", "channel", "status",
    "result", "collector", "campaign", "disposition", "rule", "reason", "citation",
    "template", "destination", "content",
)  # fmt: skip


def headers(t: Translator) -> list[str]:
    return [t(f"workspace.export.{name}") for name in COLUMNS]


def export_row(row: Any, t: Translator) -> list[str]:
    zone = row_zone(row)
    at = contact_time(row)
    verdict = plain_verdict(row.verdict, t.locale, zone)
    deciding = verdict.deciding if verdict else None
    collectors = list(row.collector_ids or []) or ([row.collector_id] if row.collector_id else [])
    kind = (row.disposition or {}).get("kind")
    return [
        row.id, format_local(at, zone, t.locale), at.isoformat(), zone, row.debtor_ref,
        row.account_ref or "", word(t.locale, "workspace.channel", row.channel),
        word(t.locale, "workspace.status", row.status),
        word(t.locale, "stats.result", row.result) if row.result else "",
        ", ".join(collectors), campaign_of(row.requested_by) or "",
        word(t.locale, "workspace.disposition", kind) if kind else "",
        deciding.rule_id if deciding else "",
        deciding.reason if deciding else "", deciding.citation if deciding else "",
        f"{row.template_name} ({row.locale})", row.destination, row.content or "",
    ]  # fmt: skip


async def csv_chunks(batches: AsyncIterator[list[Any]], t: Translator) -> AsyncIterator[bytes]:
    yield BOM + csv_bytes([headers(t)])
    async for batch in batches:
        yield csv_bytes([csv_cell(value) for value in export_row(row, t)] for row in batch)


async def xlsx_file(batches: AsyncIterator[list[Any]], t: Translator) -> tuple[bytes, int]:
    """The workbook, and how many rows it holds (rows go to a temporary file as they come)."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(t("workspace.export.sheet"))
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers(t), bold)
    count = 0
    async for batch in batches:
        for row in batch:
            count += 1
            for column, value in enumerate(export_row(row, t)):
                sheet.write_string(count, column, value)  # text, never run as a formula
    sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue(), count
