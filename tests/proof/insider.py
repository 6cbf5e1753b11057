"""Tamper as an insider would: raw SQL, past the append-only trigger on PostgreSQL (a
superuser switches triggers off for the session: ``session_replication_role``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import UTCDateTime


async def sql(engine: AsyncEngine, statement: str, **params: Any) -> None:
    query = text(statement)
    if "at" in params:
        query = query.bindparams(bindparam("at", type_=UTCDateTime()))
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(query, params)
