"""Reading and changing a debtor's preferences, each change appended to ``preference_changes``.

Times, channel and language live on the debtor's row; a place lives as the hold that
obeys it (``PLACE_HOLDS``: "work" is an active debtor-wide ``no_work_contact`` hold, set
here or by compliance over ``/v1/holds`` alike). A change is written in the caller's
transaction: the row, the holds and the log entry commit together or not at all, under
the debtor row's lock on PostgreSQL (two changes never lose one another).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.holds import add_hold, lift_holds
from dispatcher.contactlog.models import Debtor, Hold, PreferenceChange
from dispatcher.preferences.fields import PLACE_HOLDS

__all__ = ["ChangeRecord", "Preferences", "change_preferences", "preference_log", "preferences_of"]

_HOLD_PLACES = {kind: place for place, kind in PLACE_HOLDS.items()}


@dataclass(frozen=True)
class Preferences:
    inconvenient_times: list[dict[str, Any]] = field(default_factory=list)
    inconvenient_places: list[str] = field(default_factory=list)
    preferred_channel: str | None = None
    preferred_locale: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChangeRecord:
    """One entry of the preference log."""

    id: int
    debtor_ref: str
    at: datetime
    by: str
    source: str
    reason: str
    changes: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


async def preferences_of(conn: AsyncConnection, debtor_ref: str) -> Preferences:
    """What the debtor asked for, as the rules obey it now."""
    row = (
        await conn.execute(
            select(
                Debtor.inconvenient_times, Debtor.preferred_channel, Debtor.preferred_locale
            ).where(Debtor.debtor_ref == debtor_ref)
        )
    ).first()
    return Preferences(
        inconvenient_times=list(row.inconvenient_times or []) if row else [],
        inconvenient_places=await _places(conn, debtor_ref),
        preferred_channel=row.preferred_channel if row else None,
        preferred_locale=row.preferred_locale if row else None,
    )


async def change_preferences(
    conn: AsyncConnection,
    debtor_ref: str,
    given: Mapping[str, Any],
    *,
    by: str,
    source: str,
    reason: str,
    at: datetime,
    merge: bool = False,
) -> tuple[Preferences, dict[str, Any]]:
    """Apply ``given`` (checked by ``checked_preferences``); returns the preferences now and
    what changed (``{field: {"from", "to"}}``, logged unless empty). ``merge``: times and
    places are added to those on record (a collector's disposition), not put in their place."""
    await _lock_debtor(conn, debtor_ref, at)
    before = await preferences_of(conn, debtor_ref)
    wanted = dict(given)
    if merge:
        if "inconvenient_times" in wanted:
            times = list(before.inconvenient_times)
            times += [t for t in wanted["inconvenient_times"] if t not in times]
            wanted["inconvenient_times"] = times
        if "inconvenient_places" in wanted:
            places = {*before.inconvenient_places, *wanted["inconvenient_places"]}
            wanted["inconvenient_places"] = sorted(places)
    after = Preferences(**{**asdict(before), **wanted})
    changes = {
        name: {"from": old, "to": new}
        for name, old in asdict(before).items()
        if (new := getattr(after, name)) != old
    }
    if not changes:
        return after, {}
    columns = {k: v for k, v in wanted.items() if k != "inconvenient_places" and k in changes}
    if columns:
        await conn.execute(
            update(Debtor).where(Debtor.debtor_ref == debtor_ref).values(**columns, updated_at=at)
        )
    if "inconvenient_places" in changes:
        await _move_places(conn, debtor_ref, before, after, by=by, source=source, reason=reason,
                           at=at)  # fmt: skip
    await conn.execute(
        insert(PreferenceChange).values(
            debtor_ref=debtor_ref, at=at, by=by, source=source, reason=reason, changes=changes
        )
    )
    return after, changes


async def preference_log(
    conn: AsyncConnection, debtor_ref: str, *, limit: int = 200
) -> list[ChangeRecord]:
    """The latest ``limit`` changes, oldest first."""
    rows = await conn.execute(
        select(PreferenceChange.__table__)
        .where(PreferenceChange.debtor_ref == debtor_ref)
        .order_by(PreferenceChange.id.desc())
        .limit(limit)
    )
    return [ChangeRecord(**r._asdict()) for r in reversed(list(rows))]


async def _lock_debtor(conn: AsyncConnection, debtor_ref: str, at: datetime) -> None:
    """Make sure the debtor's row exists, and hold its lock until the transaction ends."""
    make_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        make_insert(Debtor)
        .values(debtor_ref=debtor_ref, updated_at=at)
        .on_conflict_do_nothing(index_elements=["debtor_ref"])
    )
    await conn.execute(
        select(Debtor.debtor_ref).where(Debtor.debtor_ref == debtor_ref).with_for_update()
    )


async def _places(conn: AsyncConnection, debtor_ref: str) -> list[str]:
    kinds = await conn.execute(
        select(Hold.kind).where(
            Hold.debtor_ref == debtor_ref,
            Hold.destination.is_(None),
            Hold.channel.is_(None),
            Hold.lifted_at.is_(None),
            Hold.kind.in_(sorted(_HOLD_PLACES)),
        )
    )
    return sorted({_HOLD_PLACES[kind] for kind in kinds.scalars()})


async def _move_places(
    conn: AsyncConnection,
    debtor_ref: str,
    before: Preferences,
    after: Preferences,
    *,
    by: str,
    source: str,
    reason: str,
    at: datetime,
) -> None:
    target: dict[str, Any] = {"debtor_ref": debtor_ref, "destination": None, "channel": None}
    for place in sorted(set(after.inconvenient_places) - set(before.inconvenient_places)):
        await add_hold(
            conn, kind=PLACE_HOLDS[place], set_by=by, source=source,
            reason=f"the debtor said {place} is inconvenient: {reason}", at=at, **target,
        )  # fmt: skip
    for place in sorted(set(before.inconvenient_places) - set(after.inconvenient_places)):
        await lift_holds(conn, kind=PLACE_HOLDS[place], lifted_by=by, at=at, **target)
