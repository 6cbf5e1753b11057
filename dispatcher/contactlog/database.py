"""Engines for the contact log: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["PING_IF_IDLE_S", "create_engine"]


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("pool_recycle", 1800)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "checkin", _note_checkin)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
        return engine

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # One connection per process: SQLite has one writer at a time anyway, and waiting in
    # the pool's queue is far cheaper than SQLite's busy-wait sleeps between connections.
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 120)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


# A pooled connection idle this long is pinged before it is handed out, so that one that
# died with a database restart is replaced instead of failing the first call after it.
# Busy connections are not pinged (pool_pre_ping would, at up to three round trips per
# checkout with asyncpg): a restart under them fails the statements in flight, and
# SQLAlchemy then renews the whole pool.
PING_IF_IDLE_S = 1.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_IF_IDLE_S:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # the pool discards it and connects afresh
        raise DisconnectionError(f"a pooled connection is gone: {exc}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let pysqlite leave transactions to us, so that BEGIN IMMEDIATE below is what runs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")  # several worker processes share one file
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that reads, then writes, can
    # fail with "database is locked" instead of waiting when another process writes.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
