"""Templates as compliance reviews them: each version's text (kept as it is first seen, so
that after the file changes the approved version can still be read), the approved
version to compare with, and the diff between the two."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.workspace.models import TemplateText
from templates import TemplateCatalog
from templates.approvals import Approval
from templates.catalog import TemplateInfo

__all__ = ["DiffLine", "TemplateTexts", "approved_before", "diff_lines", "source_of"]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk" or "same"
    text: str


def source_of(catalog: TemplateCatalog, info: TemplateInfo) -> str | None:
    """The file's text for this version (None if the file on disk is another version)."""
    for path in sorted((catalog.root / info.channel / info.locale).glob(f"{info.name}.*")):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest()[:16] == info.version:
            return data.decode("utf-8")
    return None


def approved_before(catalog: TemplateCatalog, info: TemplateInfo) -> Approval | None:
    """The approval a new version is compared with: this one's, else the latest other."""
    register = catalog.approvals
    mine = register.find(info.channel, info.name, info.locale, info.version)
    if mine is not None:
        return mine
    others = [
        a for a in register.approvals
        if (a.channel, a.locale, a.name) == (info.channel, info.locale, info.name)
    ]  # fmt: skip
    return max(others, key=lambda a: a.approved_on, default=None)


def diff_lines(old: str, new: str, *, old_label: str, new_label: str) -> list[DiffLine]:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    )
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    return [DiffLine(kinds.get(line[:1], "same"), line) for line in lines]


class TemplateTexts:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    async def remember(self, catalog: TemplateCatalog, infos: Iterable[TemplateInfo]) -> None:
        """Keep the text of every version seen (a version once kept is never rewritten)."""
        rows = []
        for info in infos:
            source = source_of(catalog, info)
            if source is not None:
                rows.append(
                    {"channel": info.channel, "locale": info.locale, "name": info.name,
                     "version": info.version, "source": source, "seen_at": self.clock.now()}
                )  # fmt: skip
        if not rows:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        async with self.engine.begin() as conn:
            await conn.execute(insert(TemplateText).values(rows).on_conflict_do_nothing())

    async def text(self, channel: str, locale: str, name: str, version: str) -> str | None:
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(TemplateText.source).where(
                    TemplateText.channel == channel, TemplateText.locale == locale,
                    TemplateText.name == name, TemplateText.version == version,
                )
            )  # fmt: skip
            return found.scalar_one_or_none()
