"""API keys: random secrets shown once, stored only as their SHA-256, revocable, with a role.

A secret looks like ``dsp_`` followed by 43 URL-safe characters (256 random bits). The
table keeps the hash, the first 12 characters (to tell keys apart in a list), the name,
the role, who created it and when, and when and by whom it was revoked.

``verify`` answers from a per-process cache for at most ``cache_s`` (2 s): a revoked
key stops working at once in the process that revoked it, within 2 s everywhere else.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.contactlog.models import ApiKey

__all__ = [
    "KEY_NAME", "ApiKeyStore", "CreatedKey", "KeyRecord", "NameTaken", "Role", "create_key",
]  # fmt: skip

SECRET_PREFIX = "dsp_"
KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


class Role(enum.StrEnum):
    STRATEGY = "strategy"  # a service: enqueues messages, upserts debtors, reads masked status
    COLLECTOR = "collector"  # a person: reads what they asked for (calls and visits: later)
    COMPLIANCE = "compliance"  # people: read everything in full, search, export, set holds
    ADMIN = "admin"  # operators: keys and emergency pauses


class NameTaken(Exception):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a key named {name!r} exists already (names are never reused)")


@dataclass(frozen=True)
class KeyRecord:
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def label(self) -> str:
        """Who this key is, as written into the contact log: ``role:name``."""
        return f"{self.role}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": str(self.role),
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
        }


@dataclass(frozen=True)
class CreatedKey:
    record: KeyRecord
    secret: str  # shown once; only its hash is stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyStore:
    def __init__(self, engine: AsyncEngine, clock: Clock, *, cache_s: float = 2.0) -> None:
        self.engine = engine
        self.clock = clock
        self.cache_s = cache_s
        self._cache: dict[str, tuple[float, KeyRecord | None]] = {}

    async def create(self, *, name: str, role: Role, created_by: str) -> CreatedKey:
        if not KEY_NAME.fullmatch(name):
            raise ValueError("a key name is 1-40 letters, digits, '.', '_' or '-'")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        values = {
            "name": name, "role": str(role), "key_hash": hash_secret(secret),
            "prefix": secret[:12], "created_at": self.clock.now(), "created_by": created_by,
        }  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                row = (
                    await conn.execute(insert(ApiKey).values(**values).returning(*_COLUMNS))
                ).one()
        except IntegrityError:
            raise NameTaken(name) from None
        return CreatedKey(_record(row), secret)

    async def verify(self, secret: str) -> KeyRecord | None:
        """The active key with this secret, or None (unknown or revoked)."""
        if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
            return None
        digest = hash_secret(secret)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.cache_s:
            return cached[1]
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(*_COLUMNS).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
                )
            ).first()
        record = _record(row) if row is not None else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, record)
        return record

    async def revoke(self, key_id: int, *, by: str) -> KeyRecord | None:
        """Revoke a key; returns it (revoked), or None if there is no such active key."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    update(ApiKey)
                    .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
                    .values(revoked_at=self.clock.now(), revoked_by=by)
                    .returning(*_COLUMNS)
                )
            ).first()
        self._cache.clear()
        return _record(row) if row is not None else None

    async def list(self) -> list[KeyRecord]:
        async with self.engine.connect() as conn:
            return [_record(r) for r in await conn.execute(select(*_COLUMNS).order_by(ApiKey.id))]


_COLUMNS = (
    ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.prefix, ApiKey.created_at, ApiKey.created_by,
    ApiKey.revoked_at, ApiKey.revoked_by,
)  # fmt: skip


def _record(row: Any) -> KeyRecord:
    return KeyRecord(
        row.id, row.name, Role(row.role), row.prefix, row.created_at, row.created_by,
        row.revoked_at, row.revoked_by,
    )  # fmt: skip


async def create_key(database_url: str, *, name: str, role: Role, created_by: str) -> CreatedKey:
    """Create one key on the contact log at ``database_url`` (the CLI's way in)."""
    from dispatcher.clock import SystemClock
    from dispatcher.contactlog.database import create_engine

    engine = create_engine(database_url)
    try:
        return await ApiKeyStore(engine, SystemClock()).create(
            name=name, role=role, created_by=created_by
        )
    finally:
        await engine.dispose()
