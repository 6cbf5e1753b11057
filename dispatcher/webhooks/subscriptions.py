"""Subscriptions: who gets which events, at which URL, signed with which secrets.

A secret is shown once, when it is made (or given). Rotating adds a new one and lets each
older one sign too until it expires (``keep_old_for_s``, a day by default): receivers
switch to the new secret at their own pace, with no delivery unverifiable meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.events.models import OutboundEvent, Subscription
from dispatcher.webhooks.signing import new_secret

__all__ = ["NameTaken", "SubscriptionStore", "live_secrets", "subscription_json"]


class NameTaken(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"a subscription named {name!r} exists already")


@dataclass
class SubscriptionStore:
    engine: AsyncEngine
    clock: Clock

    async def create(
        self, *, name: str, url: str, event_types: list[str], role: str,
        secret: str | None, by: str,
    ) -> tuple[dict[str, Any], str]:  # fmt: skip
        """The new subscription, and its secret (the one given, or a new one)."""
        now = self.clock.now()
        secret = secret or new_secret()
        values = {
            "name": name, "url": url, "event_types": event_types, "role": role,
            "secrets": [_secret(secret, now)], "active": True, "created_at": now,
            "created_by": by, "updated_at": now, "cursor": await self._journal_end(),
        }  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                new_id = (
                    await conn.execute(
                        insert(Subscription).values(values).returning(Subscription.id)
                    )
                ).scalar_one()
        except IntegrityError:
            raise NameTaken(name) from None
        shown = await self.get(new_id)
        assert shown is not None
        return shown, secret

    async def _journal_end(self) -> int:
        """A new subscription gets the events from now on (the feed has the past ones)."""
        async with self.engine.connect() as conn:
            end = await conn.scalar(select(OutboundEvent.seq).order_by(OutboundEvent.seq.desc()))
            return int(end or 0)

    async def list(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(Subscription.__table__).order_by(Subscription.id))
            return [subscription_json(r) for r in rows]

    async def get(self, subscription_id: int) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(Subscription.__table__).where(Subscription.id == subscription_id)
                )
            ).first()
            return None if row is None else subscription_json(row)

    async def update(self, subscription_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id)
                .values(**changes, updated_at=self.clock.now())
            )
        return await self.get(subscription_id) if done.rowcount else None

    async def rotate(
        self, subscription_id: int, *, secret: str | None, keep_old_for_s: float
    ) -> tuple[dict[str, Any], str] | None:
        """Add a secret; the others sign until ``keep_old_for_s`` from now (or their own
        earlier end). None if there is no such subscription."""
        now = self.clock.now()
        secret = secret or new_secret()
        until = now + timedelta(seconds=keep_old_for_s)
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(Subscription.secrets)
                    .where(Subscription.id == subscription_id)
                    .with_for_update()
                )
            ).first()
            if row is None:
                return None
            kept = [
                {**s, "expires_at": min(_expiry(s) or until, until).isoformat()}
                for s in live_secrets(row.secrets, now, whole=True)
            ]
            await conn.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id)
                .values(secrets=[*kept, _secret(secret, now)], updated_at=now)
            )
        shown = await self.get(subscription_id)
        assert shown is not None
        return shown, secret


def _secret(secret: str, now: datetime) -> dict[str, Any]:
    return {"secret": secret, "created_at": now.isoformat(), "expires_at": None}


def _expiry(entry: dict[str, Any]) -> datetime | None:
    return None if entry.get("expires_at") is None else datetime.fromisoformat(entry["expires_at"])


def live_secrets(entries: list[dict[str, Any]], now: datetime, *, whole: bool = False) -> list[Any]:
    """The secrets that still sign at ``now`` (the entries themselves if ``whole``)."""
    live = [e for e in entries if (_expiry(e) or now) >= now]
    return live if whole else [e["secret"] for e in live]


def subscription_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "event_types": list(row.event_types),
        "role": row.role,
        "active": row.active,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        "updated_at": row.updated_at.isoformat(),
        "secrets": [
            {
                "prefix": s["secret"][:10],
                "created_at": s["created_at"],
                "expires_at": s["expires_at"],
            }
            for s in row.secrets
        ],
    }
