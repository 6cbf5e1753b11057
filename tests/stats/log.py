"""A small contact log built by hand: messages and their events, written as the pipeline
writes them (a verdict on each attempt, one event per move), for the fold to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import Collector, Debtor, Message, MessageEvent
from dispatcher.stats.models import PortfolioAccount

SHANGHAI = "Asia/Shanghai"
T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 3 December


def hours_verdict(zones: list[str] | None = None) -> dict[str, Any]:
    inputs = {"packs": ["cn", "org"], "zones": zones or [SHANGHAI], "window": "[08:00, 22:00)"}
    return {
        "decision": "allow",
        "rules": [{"rule_id": "hours.allowed_window", "decision": "allow", "inputs": inputs}],
    }


@dataclass
class HandLog:
    engine: AsyncEngine
    count: int = 0
    ids: list[str] = field(default_factory=list)

    async def setup(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(Debtor), [
                {"debtor_ref": d, "time_zone": SHANGHAI, "country": "CN", "updated_at": T0}
                for d in ("d-1", "d-2")
            ])  # fmt: skip
            await conn.execute(insert(Collector), [
                {"collector_id": c, "name": c, "phone": "+8613800000000", "team": team,
                 "updated_at": T0}
                for c, team in (("c-1", "north"), ("c-2", "south"))
            ])  # fmt: skip
            await conn.execute(insert(PortfolioAccount), [
                {"debtor_ref": "d-1", "account_ref": "a-1", "portfolio": "p-cards",
                 "assigned_by": "test", "assigned_at": T0},
                {"debtor_ref": "d-2", "account_ref": "a-2", "portfolio": "p-loans",
                 "assigned_by": "test", "assigned_at": T0},
            ])  # fmt: skip

    async def message(
        self, *, channel: str = "sms", debtor: str = "d-1", account: str | None = "a-1",
        collector: str | None = None, at: datetime = T0, **columns: Any,
    ) -> str:  # fmt: skip
        self.count += 1
        message_id = f"M{self.count:025d}"
        row = {
            "id": message_id, "idempotency_key": message_id, "debtor_ref": debtor,
            "account_ref": account, "channel": channel, "template_name": "t",
            "template_version": "v", "locale": "zh-CN", "variables": {},
            "destination": "+8613800138000", "requested_by": "strategy", "created_at": at,
            "scheduled_for": at, "valid_until": at + timedelta(days=2), "updated_at": at,
            "status": "queued", "attempts": 0, "collector_id": collector, **columns,
        }  # fmt: skip
        async with self.engine.begin() as conn:
            await conn.execute(insert(Message).values(**row))
            await conn.execute(insert(MessageEvent).values(
                message_id=message_id, at=at, source="api", status="queued", detail={}
            ))  # fmt: skip
        self.ids.append(message_id)
        return message_id

    async def move(
        self, message_id: str, status: str, at: datetime, detail: dict[str, Any] | None = None,
        **changes: Any,
    ) -> None:  # fmt: skip
        async with self.engine.begin() as conn:
            await conn.execute(
                update(Message).where(Message.id == message_id)
                .values(status=status, updated_at=at, **changes)
            )  # fmt: skip
            await conn.execute(insert(MessageEvent).values(
                message_id=message_id, at=at, source="worker", status=status,
                detail=detail or {},
            ))  # fmt: skip

    async def attempt(
        self, message_id: str, at: datetime, *, result: str | None = None,
        verdict: dict[str, Any] | None = None, final: str = "delivered",
    ) -> None:  # fmt: skip
        await self.move(
            message_id, "sending", at, {"attempt": 1}, attempts=1, attempted_at=at,
            verdict=verdict if verdict is not None else hours_verdict(),
        )  # fmt: skip
        await self.move(message_id, final, at + timedelta(seconds=5), result=result)
