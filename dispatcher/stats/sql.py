"""Inserts that meet an existing key, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["insert_for", "upsert"]

ROWS_PER_STATEMENT = 5_000


def insert_for(conn: AsyncConnection, model: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


async def upsert(
    conn: AsyncConnection,
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    keys: list[str],
    increment: str | None = None,
    replace: bool = True,
) -> None:
    """Insert ``rows``; on a key already there add to ``increment``, or replace the row
    (``replace``), or keep it."""
    if not rows:
        return
    statement = insert_for(conn, model)
    if increment is not None:
        column = getattr(model, increment)
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={increment: column + statement.excluded[increment]}
        )
    elif replace:
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={name: statement.excluded[name] for name in rows[0] if name not in keys},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        await conn.execute(statement, list(rows[start : start + ROWS_PER_STATEMENT]))
