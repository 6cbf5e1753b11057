"""The hot path's SQL, derived once from the schema and from the SQLAlchemy statements the
SQLite path runs, so that both backends ask the same questions.

Where a SQLAlchemy statement has only named parameters it is compiled for asyncpg and
its parameter order kept (``Compiled``). The caps' conditions have literal values only
(``counted``): they are compiled with those values inline, and the frame around them
(debtor, since, scope) is written here with positional parameters.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.sql.selectable import ScalarSelect

from compliance.packs.model import EVENTS
from dispatcher.contactlog.models import Collector, Debtor, Message, UTCDateTime
from dispatcher.contactlog.session import counted, window_statements
from dispatcher.pauses.state import still_paused_query
from dispatcher.risk_flags.models import RiskFlagEvent

__all__ = [
    "ATTEMPT_COLUMNS",
    "ATTEMPT_KINDS",
    "DEBTOR_COLUMNS",
    "DECISION",
    "DECISIONS",
    "FLAG_COLUMNS",
    "GET_MESSAGE",
    "GET_MESSAGES",
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
GET_MESSAGES = f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM messages WHERE id = ANY($1::varchar[])"
FLAG_COLUMNS = _columns(RiskFlagEvent.__table__)
FLAG_EVENTS = (
    f"SELECT {', '.join(FLAG_COLUMNS)} FROM risk_flag_events WHERE debtor_ref = $1 ORDER BY id"
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


# held, debtor, message, holds: the window statement of ``DebtorSession`` on PostgreSQL
_with_message = window_statements()[2]
PAUSE_IN_FORCE = Compiled.of(still_paused_query(postgresql=True))

# Bit i of a recent attempt's ``kinds`` says that it counts as ATTEMPT_KINDS[i] (``counted``).
# An attempt counts for a set of kinds when it counts for one of them: ``counted(kinds)``
# is the disjunction of ``counted({kind})`` over the set
# (tests/dispatcher/sending/postgres/test_hot_path.py).
ATTEMPT_KINDS: tuple[str, ...] = tuple(sorted(EVENTS))
ATTEMPT_COLUMNS = ("attempted_at", "result", "account_ref", "destination", "kinds")


def _inline(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """A condition of literal values only, written inline (as ``attempts_sql`` writes it)."""
    compiled = condition.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
    return literal_column(f"({compiled})", Boolean)


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(value), Integer)


def _recent_attempts(debtor_ref: ColumnElement[str]) -> ScalarSelect[Any]:
    """The debtor's attempts that count for any kind, attempted since ``horizon``, newest
    first and at most ``attempts_limit`` of them, as an array of ``ATTEMPT_COLUMNS``."""
    messages = Message.__table__
    assert isinstance(messages, Table)
    bits = []
    for bit, kind in enumerate(ATTEMPT_KINDS):
        channels, condition = counted(frozenset({kind}))
        if channels:  # "call.failed" counts nothing: its bit stays 0
            bits.append(case((_inline(condition), _number(1 << bit)), else_=_number(0)))
    channels, counts_any = counted(frozenset(ATTEMPT_KINDS))
    recent = (
        select(
            messages.c.attempted_at,
            messages.c.result,
            messages.c.account_ref,
            messages.c.destination,
            functools.reduce(operator.add, bits).label("kinds"),
        )
        .where(
            messages.c.debtor_ref == debtor_ref,
            _inline(messages.c.channel.in_(channels)),
            messages.c.attempted_at >= bindparam("horizon", type_=UTCDateTime()),
            _inline(counts_any),
        )
        .order_by(messages.c.attempted_at.desc())
        .limit(bindparam("attempts_limit", type_=Integer))
        .subquery("recent")
    )
    newest_first = aggregate_order_by(tuple_(*recent.c), recent.c.attempted_at.desc())
    return select(func.array_agg(newest_first)).scalar_subquery()


def _flag_events(debtor_ref: ColumnElement[str]) -> ScalarSelect[Any]:
    """The debtor's risk flag events, oldest first, as an array of ``FLAG_COLUMNS``."""
    events = RiskFlagEvent.__table__
    assert isinstance(events, Table)
    in_order = aggregate_order_by(tuple_(*events.c), events.c.id)
    return (
        select(func.array_agg(in_order)).where(events.c.debtor_ref == debtor_ref).scalar_subquery()
    )


def _decision_statement() -> ClauseElement:
    """The window statement (debtor, message ``FOR NO KEY UPDATE``, holds) with what the
    rules read besides: the debtor's risk flag events and recent attempts. Run once the
    debtor's lock is held (``batched_windows``): its snapshot then sees every attempt
    claimed before the lock was ours."""
    debtor_ref = bindparam("debtor_ref", type_=String)
    return _with_message.add_columns(
        _flag_events(debtor_ref).label("flags"), _recent_attempts(debtor_ref).label("attempts")
    )


DECISION = Compiled.of(_decision_statement())  # held, debtor, message, holds, flags, attempts


def _decisions(decision: Compiled) -> str:
    """``DECISION`` for several debtors at once (``batched_windows``): $1 debtor refs, $2
    message ids, $3 lock keys (arrays, one element per debtor), $4 horizon, $5 attempts
    limit; one row per debtor, in the arrays' order, each as ``DECISION`` answers it."""
    per_debtor = {
        "debtor_ref": ("VARCHAR", "r.debtor_ref"),
        "message_id": ("VARCHAR", "r.message_id"),
        "lock_key": ("BIGINT", "r.lock_key"),
        "horizon": ("TIMESTAMP WITH TIME ZONE", "$4::TIMESTAMP WITH TIME ZONE"),
        "attempts_limit": ("INTEGER", "$5::INTEGER"),
    }
    inner = decision.sql
    for number, name in enumerate(decision.names, start=1):
        cast, replacement = per_debtor[name]
        placeholder = f"${number}::{cast}"
        assert placeholder in inner, placeholder
        inner = inner.replace(placeholder, replacement)
    assert "$" not in inner.replace("$4::", "").replace("$5::", "")
    return (
        "SELECT d.* FROM unnest($1::varchar[], $2::varchar[], $3::bigint[]) WITH ORDINALITY "
        f"AS r(debtor_ref, message_id, lock_key, n) CROSS JOIN LATERAL ({inner}) AS d ORDER BY r.n"
    )


DECISIONS = _decisions(DECISION)


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
