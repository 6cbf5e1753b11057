"""The collector registry: who may call and visit, and until when their credential holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from channels.base import CollectorContact
from compliance import CollectorFact
from dispatcher.clock import Clock
from dispatcher.contactlog.models import Collector
from dispatcher.debtors.phones import e164
from dispatcher.errors import FieldProblem, InvalidRequest

__all__ = ["CollectorRegistry", "collector_facts", "contact_of", "read_collectors"]


async def read_collectors(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, Collector]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await conn.execute(select(Collector.__table__).where(Collector.collector_id.in_(wanted)))
    return {row.collector_id: Collector(**row._asdict()) for row in rows}


def collector_facts(found: dict[str, Collector]) -> tuple[CollectorFact, ...]:
    return tuple(
        CollectorFact(c.collector_id, c.name, c.active, c.trained_on, c.credential_expires)
        for c in found.values()
    )


def contact_of(collector: Collector) -> CollectorContact:
    return CollectorContact(collector.collector_id, collector.name, collector.phone)


class CollectorRegistry:
    """Collectors as the API and the workers read and write them."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def upsert(
        self,
        collector_id: str,
        *,
        name: str,
        phone: str,
        team: str | None = None,
        trained_on: date | None = None,
        credential_expires: date | None = None,
        active: bool = True,
    ) -> None:
        problems = []
        if not collector_id.strip() or len(collector_id) > 100:
            problems.append(
                FieldProblem(
                    "collector_id",
                    "must be 1 to 100 characters",
                    code="length",
                    params={"max": 100},
                )
            )
        if not name.strip():
            problems.append(FieldProblem("name", "must not be empty", code="empty"))
        if not phone.startswith("sip:"):
            try:
                phone = e164(phone)
            except InvalidRequest as exc:
                problems += [
                    FieldProblem("phone", p.problem, code=p.code, params=p.params)
                    for p in exc.problems
                ]
        if trained_on and credential_expires and credential_expires < trained_on:
            problems.append(
                FieldProblem(
                    "credential_expires",
                    "is before trained_on",
                    code="collector.credential_expires.before_training",
                )
            )
        if problems:
            raise InvalidRequest(problems)
        values = {
            "collector_id": collector_id, "name": name, "phone": phone, "team": team,
            "trained_on": trained_on, "credential_expires": credential_expires,
            "active": active, "updated_at": self.clock.now(),
        }  # fmt: skip
        statement = self._insert(Collector).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["collector_id"],
            set_={k: v for k, v in values.items() if k != "collector_id"},
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def get(self, collector_id: str) -> Collector | None:
        async with self.engine.connect() as conn:
            return (await read_collectors(conn, [collector_id])).get(collector_id)

    async def all(self) -> list[Collector]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(Collector.__table__).order_by(Collector.collector_id))
            return [Collector(**row._asdict()) for row in rows]
