"""What a collector records after a call, and what it sets in motion.

    recorded = await record_disposition(
        deps, message_id, kind="promise_to_pay", by_collector="c-17",
        details={"amount": "500.00", "date": "2026-12-05", "note": "pays on Friday"},
    )

Only the call's own collector may record, once, and only for a call that was placed
(sent, delivered or undelivered). The disposition, its event, the holds it sets and the
messages it schedules are written in one transaction: a refusal writes nothing.

| kind | effect |
|---|---|
| right_party, refused | the call's result becomes ``conversation`` (Reg F's 7-day quiet period) |
| promise_to_pay | ``conversation``; an SMS ``promise_to_pay_reminder`` the morning of the date |
| dispute | ``conversation``; a ``dispute`` hold on the debtor |
| wrong_number | a ``wrong_number`` hold on the number; the attempt stops counting for the debtor |
| callback_requested | a ``collector_call`` by the same collector at the requested time |
| no_contact | nothing more |

Any kind where the debtor spoke (all but ``wrong_number`` and ``no_contact``) may carry
``preferences`` the debtor stated ("not before 10:00", "not at work", a channel, a
language: ``dispatcher.preferences``). They are added to those on record, in the same
transaction, and logged as set by the collector from this call.

Every problem with the fields is reported at once, each naming its field (a follow-up's
too: ``reminder_variables.debtor_name``); a refusal writes nothing.

Errors: ``InvalidRequest`` (422: a field, named), ``NotOnTheCall`` (403: another
collector's call), ``OutcomeConflict`` (409: not placed yet, or already recorded),
``UnknownMessage`` (404).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from compliance.civility import CivilityScanner
from compliance.hours.zones import UnknownLocation, debtor_zones
from dispatcher.calls_and_visits.dispositions.fields import (
    SPOKE,
    checked_fields,
    default_scanner,
    note_problems,
)
from dispatcher.calls_and_visits.dispositions.follow_ups import (
    OutcomeDeps,
    enqueue_follow_ups,
    follow_up_rows,
)
from dispatcher.contactlog.holds import add_hold
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.store import Accepted, ContactLog, queue_rows
from dispatcher.contactlog.transitions import record_event
from dispatcher.domain import ChannelKind, ContactResult, Disposition, EventSource, MessageStatus
from dispatcher.errors import DispatcherError, FieldProblem, InvalidRequest
from dispatcher.preferences import change_preferences

__all__ = [
    "PLACED",
    "DispositionRecorded",
    "NotOnTheCall",
    "OutcomeConflict",
    "OutcomeDeps",
    "Refusal",
    "default_scanner",
    "enqueue_follow_ups",
    "note_problems",
    "record_disposition",
]

PLACED = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED})
_NOT_SPOKEN = frozenset(
    {
        ContactResult.VOICEMAIL, ContactResult.UNANSWERED, ContactResult.BUSY,
        ContactResult.UNCONNECTED, ContactResult.FAILED,
    }
)  # fmt: skip


class Refusal(DispatcherError):
    """A call or visit that takes no outcome, and why. ``code`` names the refusal
    (``desk.refusal.<code>`` on the collector's desk, ``problems.detail.refusal.<code>``
    in the API) and ``params`` its parts; the message is the English."""

    def __init__(self, text: str, *, code: str | None = None, **params: str) -> None:
        super().__init__(text)
        self.code = code
        self.params = params


class OutcomeConflict(Refusal):
    """The call or visit is not in a state to take this outcome (409)."""


class NotOnTheCall(Refusal):
    """The collector is not the call's collector, or not on the visit (403)."""


@dataclass(frozen=True)
class DispositionRecorded:
    message_id: str
    disposition: dict[str, Any]
    result: str | None
    follow_ups: list[Accepted]
    holds: list[str]  # kinds of the holds set (already active ones included)


async def record_disposition(
    deps: OutcomeDeps,
    message_id: str,
    *,
    kind: str,
    by_collector: str,
    details: Mapping[str, Any],
    scanner: CivilityScanner | None = None,
    problems: Sequence[FieldProblem] = (),
) -> DispositionRecorded:
    """Record it, or ``InvalidRequest`` with every problem: ``problems`` (what the caller
    found already, e.g. the HTTP body's unknown fields) and those found here."""
    message = await deps.log.get(message_id)
    if message.channel != ChannelKind.VOICE:
        raise OutcomeConflict(
            f"message {message_id} is a {message.channel} message, not a call"
            + (
                " (record a visit's outcome instead)"
                if message.channel == ChannelKind.VISIT
                else ""
            ),
            code="not_a_call",
            channel=str(message.channel),
            message_id=message_id,
        )
    if message.collector_id != by_collector:
        raise NotOnTheCall(
            f"collector {by_collector} is not the collector of call {message_id}",
            code="not_the_collector", collector_id=by_collector, message_id=message_id,
        )  # fmt: skip
    _check_open(message)
    now = deps.log.clock.now()
    zones = await _debtor_zones(deps.log, message)
    disposition_kind = Disposition(kind) if kind in set(Disposition) else None
    if disposition_kind in SPOKE and message.result in _NOT_SPOKEN:
        raise OutcomeConflict(
            f"call {message_id} was not answered (result {message.result}): "
            f"{kind} needs a call where someone spoke",
            code="not_answered",
            result=str(message.result),
            kind=kind,
            message_id=message_id,
        )
    found = list(problems)
    disposition, own = checked_fields(
        kind, details, message, now=now, zones=zones, scanner=scanner or default_scanner()
    )
    named = {p.field for p in found}
    found += [p for p in own if p.field != "kind" or "kind" not in named]
    rows: list[dict[str, Any]] = []
    if disposition_kind is not None:
        rows = follow_up_rows(deps, message, disposition_kind, disposition, zones, now, found)
    if found:
        raise InvalidRequest(found)
    assert disposition_kind is not None
    document = {"kind": kind, "by": by_collector, "at": now.isoformat(), **disposition}
    result = ContactResult.CONVERSATION if disposition_kind in SPOKE else None
    async with deps.log.engine.begin() as conn:
        await _store(conn, message, document, result, now)
        holds = await _holds(conn, message, disposition_kind, by_collector, now, disposition)
        if "preferences" in disposition:
            await change_preferences(
                conn, message.debtor_ref, disposition["preferences"], merge=True,
                by=f"collector:{by_collector}", source=f"disposition:{message_id}",
                reason=disposition.get("note") or f"stated on call {message_id}", at=now,
            )  # fmt: skip
        follow_ups = await queue_rows(
            conn, rows, at=now, detail={"disposition_of": message_id, "kind": kind}
        )
    await enqueue_follow_ups(deps, follow_ups)
    return DispositionRecorded(
        message_id, document, str(result) if result else message.result, follow_ups, holds
    )


def _check_open(message: Message) -> None:
    if message.disposition is not None:
        kind, by = message.disposition.get("kind"), message.disposition.get("by")
        raise OutcomeConflict(
            f"call {message.id} has a disposition already ({kind}, by {by}); "
            "a disposition is recorded once",
            code="recorded",
            kind=str(kind),
            by=str(by),
            message_id=message.id,
        )
    if message.status not in PLACED:
        raise OutcomeConflict(
            f"call {message.id} is {message.status}: only a placed call (sent, delivered, "
            "undelivered) takes a disposition",
            code="not_placed",
            status=str(message.status),
            message_id=message.id,
        )


async def _debtor_zones(log_: ContactLog, message: Message) -> list[ZoneInfo]:
    """The debtor's zones (record, else the number's); UTC when none can be told."""
    async with log_.engine.connect() as conn:
        recorded = (
            await conn.execute(
                select(Debtor.time_zone).where(Debtor.debtor_ref == message.debtor_ref)
            )
        ).scalar()
    try:
        names, _ = debtor_zones(message.destination, recorded)
    except UnknownLocation:
        return [ZoneInfo("UTC")]
    return [ZoneInfo(name) for name in names]


async def _store(
    conn: AsyncConnection,
    message: Message,
    document: dict[str, Any],
    result: ContactResult | None,
    now: datetime,
) -> None:
    """Set the disposition if none is set yet (compare-and-set), and its event."""
    changes: dict[str, Any] = {"disposition": document, "updated_at": now}
    if result is not None:
        changes["result"] = result
    status = (
        await conn.execute(
            update(Message)
            .where(
                Message.id == message.id,
                Message.disposition.is_(None),
                Message.status.in_(sorted(PLACED)),
            )
            .values(**changes)
            .returning(Message.status)
        )
    ).scalar()
    if status is None:
        raise OutcomeConflict(
            f"call {message.id} took a disposition or moved on meanwhile", code="moved_on",
            message_id=message.id,
        )  # fmt: skip
    detail = {"disposition": document, **({"result": str(result)} if result else {})}
    await record_event(
        conn, message.id, at=now, source=EventSource.API, status=MessageStatus(status),
        detail=detail,
    )  # fmt: skip


async def _holds(
    conn: AsyncConnection,
    message: Message,
    kind: Disposition,
    by: str,
    now: datetime,
    disposition: dict[str, Any],
) -> list[str]:
    note = disposition.get("note")
    if kind == Disposition.WRONG_NUMBER:
        target: dict[str, Any] = {
            "debtor_ref": message.debtor_ref,
            "destination": message.destination,
        }
        reason = f"collector {by} found the number is not the debtor's"
    elif kind == Disposition.DISPUTE:
        target = {"debtor_ref": message.debtor_ref, "destination": None}
        reason = f"the debtor disputed the debt on a call with collector {by}"
    else:
        return []
    await add_hold(
        conn, kind=kind.value, channel=None, set_by=f"collector:{by}",
        source=f"disposition:{message.id}", reason=f"{reason}: {note}" if note else reason,
        at=now, **target,
    )  # fmt: skip
    return [kind.value]
