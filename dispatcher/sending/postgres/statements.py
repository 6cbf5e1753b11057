"""The hot path's SQL, derived once from the schema and from the SQLAlchemy statements the
SQLite path runs, so that both backends ask the same questions.

Where a SQLAlchemy statement has only named parameters it is compiled for asyncpg and
its parameter order kept (``Compiled``). The caps' conditions have literal values only
(``counted``): they are compiled with those values inline, and the frame around them
(debtor, since, scope) is written here with positional parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from dispatcher.contactlog.models import Collector, Debtor, Message
from dispatcher.contactlog.session import counted, window_statements
from dispatcher.pauses.state import still_paused_query
from dispatcher.risk_flags.models import RiskFlagEvent

__all__ = [
    "DEBTOR_COLUMNS",
    "GET_MESSAGE",
    "JSON_COLUMNS",
    "MESSAGE_COLUMNS",
    "Compiled",
    "attempts_sql",
    "move_sql",
]

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


def _columns(table: Any) -> tuple[str, ...]:
    assert isinstance(table, Table)
    return tuple(c.name for c in table.c)


MESSAGE_COLUMNS = _columns(Message.__table__)
DEBTOR_COLUMNS = _columns(Debtor.__table__)
JSON_COLUMNS = frozenset(c.name for c in Message.__table__.c if isinstance(c.type, JSON))

GET_MESSAGE = f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM messages WHERE id = $1"
FLAG_EVENTS = (
    f"SELECT {', '.join(_columns(RiskFlagEvent.__table__))} FROM risk_flag_events "
    "WHERE debtor_ref = $1 ORDER BY id"
)
COLLECTOR_COLUMNS = _columns(Collector.__table__)
COLLECTORS = (
    f"SELECT {', '.join(COLLECTOR_COLUMNS)} FROM collectors WHERE collector_id = ANY($1::varchar[])"
)
# dispatcher.pauses.state.still_paused, as it reads on PostgreSQL.


@dataclass(frozen=True)
class Compiled:
    """A SQLAlchemy statement as asyncpg runs it: its SQL and its parameters' order."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: ClauseElement) -> Compiled:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


_, _window, _with_message, _lock = window_statements()
WINDOW = Compiled.of(_window)  # held, the debtor's columns
WINDOW_WITH_MESSAGE = Compiled.of(_with_message)  # held, debtor, message, holds
LOCK = Compiled.of(_lock)
PAUSE_IN_FORCE = Compiled.of(still_paused_query(postgresql=True))


@functools.lru_cache(maxsize=128)
def move_sql(changed: tuple[str, ...], json_null: frozenset[str], *, log_event: bool) -> str:
    """``contactlog.transitions.move`` on PostgreSQL, the compare-and-set and its event in
    one statement. Parameters: $1 id, $2 expected statuses, $3 new status, $4 at, then
    with ``log_event`` $5 source and $6 detail, then the changed columns not in
    ``json_null`` in order (those are written JSON null, as SQLAlchemy's JSON type does)."""
    sets = ["status = $3", "updated_at = $4"]
    number = 7 if log_event else 5
    for column in changed:
        if column in json_null:
            sets.append(f"{column} = 'null'::jsonb")
        else:
            sets.append(f"{column} = ${number}")
            number += 1
    update = f"UPDATE messages SET {', '.join(sets)} WHERE id = $1 AND status = ANY($2::varchar[])"
    if not log_event:
        return update
    return (
        f"WITH moved AS ({update} RETURNING id) "
        "INSERT INTO message_events (message_id, at, source, status, detail) "
        "SELECT id, $4, $5, $3, $6::jsonb FROM moved"
    )


@functools.lru_cache(maxsize=256)
def attempts_sql(
    shape: str,
    kinds: frozenset[str],
    by_account: bool,
    by_destination: bool,
    by_destinations: bool | None,
    excluding: bool,
) -> str | None:
    """``DebtorSession``'s count (``shape="count"``) or latest attempt, as one statement:
    $1 debtor_ref, $2 since, then in order the account, the destination, the destinations
    and the numbers excluded, for those asked. None: the kinds count no channel at all."""
    channels, condition = counted(kinds)
    if not channels:
        return None
    inline = condition.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
    names = ", ".join(f"'{c}'" for c in channels)  # our own channel words, never input
    where = [
        "debtor_ref = $1",
        f"channel IN ({names})",
        "attempted_at >= $2",
        f"({inline})",
    ]
    next_param = 3
    for wanted, clause in (
        (by_account, "account_ref = ${}"),
        (by_destination, "destination = ${}"),
        (bool(by_destinations), "destination = ANY(${}::varchar[])"),
        (excluding, "destination <> ALL(${}::varchar[])"),
    ):
        if wanted:
            where.append(clause.format(next_param))
            next_param += 1
    if by_destinations is False:  # an empty list of numbers: nothing is counted
        where.append("false")
    frame = " AND ".join(where)
    if shape == "count":
        return f"SELECT count(*), min(attempted_at) FROM messages WHERE {frame}"
    return (
        f"SELECT attempted_at, result FROM messages WHERE {frame} "
        "ORDER BY attempted_at DESC LIMIT 1"
    )
