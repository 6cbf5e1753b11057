"""The hot path's own asyncpg pool: JSON decoded as SQLAlchemy's JSON type does, no reset query.

asyncpg's ``Pool.release`` runs ``Connection.reset()`` by default — a round trip per
release (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``). The hot path
sets no session state: its locks are transaction-scoped and end with the transaction,
which asyncpg still rolls back on release if one were left open. So the reset is skipped.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from dispatcher.contactlog.digests import CanonicalJSON

__all__ = ["Statements", "connect_pool", "driver_dsn"]


class Statements(Protocol):
    """What a window runs its statements on: a connection, or a batch's shared one."""

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> str: ...


# json.dumps, as SQLAlchemy's JSON type serialises (a None value is SQL NULL here: the
# statements write JSON null themselves where SQLAlchemy would, see ``move_sql``).
_encode = json.JSONEncoder().encode


def _encode_json(value: object) -> str:
    return value if isinstance(value, CanonicalJSON) else _encode(value)


def driver_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _json_codecs(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_encode_json, decoder=json.loads, schema="pg_catalog"
        )


async def _no_reset(_conn: asyncpg.Connection) -> None:
    return None


async def connect_pool(url: str, *, max_size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        driver_dsn(url),
        min_size=1,
        max_size=max_size,
        init=_json_codecs,
        reset=_no_reset,
        # One plan per statement and connection, made once: a custom plan, made again at
        # each execution, cost more than running the statement (the decision statement's
        # bind ~1.2 ms, its execution ~0.4). The generic plans were checked to use the same
        # indexes (tests/dispatcher/sending/postgres/test_hot_path_plans.py).
        server_settings={"plan_cache_mode": "force_generic_plan"},
        # A pooled connection idle this long is closed: one killed with a database restart
        # is not handed out days later (a killed one in use fails its job, which runs again).
        max_inactive_connection_lifetime=60.0,
    )
