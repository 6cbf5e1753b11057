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

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from compliance.civility import CivilityScanner, check_free_text
from compliance.hours.zones import UnknownLocation, debtor_zones
from dispatcher.contactlog.holds import add_hold
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.store import Accepted, ContactLog, queue_rows
from dispatcher.contactlog.transitions import record_event
from dispatcher.domain import ChannelKind, ContactResult, Disposition, EventSource, MessageStatus
from dispatcher.errors import DispatcherError, FieldProblem, InvalidRequest
from dispatcher.preferences import PREFERENCE_FIELDS, change_preferences, checked_preferences
from dispatcher.queue import JobQueue
from dispatcher.requests import MessageRequest, validate_batch
from dispatcher.settings import Settings
from templates import TemplateCatalog

__all__ = [
    "PLACED",
    "DispositionRecorded",
    "NotOnTheCall",
    "OutcomeConflict",
    "OutcomeDeps",
    "default_scanner",
    "enqueue_follow_ups",
    "note_problems",
    "record_disposition",
]

log = logging.getLogger(__name__)

PLACED = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED})
# Kinds that say the collector spoke with the debtor: the call was a conversation.
SPOKE = frozenset(
    {Disposition.RIGHT_PARTY, Disposition.PROMISE_TO_PAY, Disposition.REFUSED, Disposition.DISPUTE}
)
_NOT_SPOKEN = frozenset(
    {
        ContactResult.VOICEMAIL, ContactResult.UNANSWERED, ContactResult.BUSY,
        ContactResult.UNCONNECTED, ContactResult.FAILED,
    }
)  # fmt: skip
_FIELDS = {
    Disposition.PROMISE_TO_PAY: {"amount", "currency", "date", "reminder_variables"},
    Disposition.CALLBACK_REQUESTED: {"callback_at"},
}
# Kinds where the debtor was spoken with, and so may have stated preferences.
STATES_PREFERENCES = SPOKE | {Disposition.CALLBACK_REQUESTED}
MAX_NOTE = 2000
REMINDER_TEMPLATE = "promise_to_pay_reminder"
CALLBACK_TEMPLATE = "collector_call"
REMINDER_HOUR = time(9, 0)  # "the morning of the promised date", local to the debtor


class OutcomeDeps(Protocol):
    """What recording an outcome needs: ``Deps`` and ``DispatcherClient`` both have it."""

    settings: Settings
    log: ContactLog
    catalog: TemplateCatalog
    queue: JobQueue


class OutcomeConflict(DispatcherError):
    """The call or visit is not in a state to take this outcome (409)."""


class NotOnTheCall(DispatcherError):
    """The collector is not the call's collector, or not on the visit (403)."""


@dataclass(frozen=True)
class DispositionRecorded:
    message_id: str
    disposition: dict[str, Any]
    result: str | None
    follow_ups: list[Accepted]
    holds: list[str]  # kinds of the holds set (already active ones included)


@functools.cache
def default_scanner() -> CivilityScanner:
    return CivilityScanner.from_lexicons()


def note_problems(
    note: str | None, scanner: CivilityScanner, field: str = "note"
) -> list[FieldProblem]:
    """A collector's free text: at most 2000 characters and no forbidden phrase."""
    if note is None:
        return []
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        return [FieldProblem(field, f"must be text of at most {MAX_NOTE} characters")]
    return [
        FieldProblem(field, f"forbidden phrase {f.phrase!r} ({f.category}): {f.matched_text!r}")
        for f in check_free_text(note, scanner)
    ]


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
            )
        )
    if message.collector_id != by_collector:
        raise NotOnTheCall(f"collector {by_collector} is not the collector of call {message_id}")
    _check_open(message)
    now = deps.log.clock.now()
    zones = await _debtor_zones(deps.log, message)
    disposition_kind = Disposition(kind) if kind in set(Disposition) else None
    if disposition_kind in SPOKE and message.result in _NOT_SPOKEN:
        raise OutcomeConflict(
            f"call {message_id} was not answered (result {message.result}): "
            f"{kind} needs a call where someone spoke"
        )
    found = list(problems)
    disposition, own = _checked(
        kind, details, message, now=now, zones=zones, scanner=scanner or default_scanner()
    )
    named = {p.field for p in found}
    found += [p for p in own if p.field != "kind" or "kind" not in named]
    rows: list[dict[str, Any]] = []
    if disposition_kind is not None:
        rows = _follow_up_rows(deps, message, disposition_kind, disposition, zones, now, found)
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
        raise OutcomeConflict(
            f"call {message.id} has a disposition already ({message.disposition.get('kind')}, "
            f"by {message.disposition.get('by')}); a disposition is recorded once"
        )
    if message.status not in PLACED:
        raise OutcomeConflict(
            f"call {message.id} is {message.status}: only a placed call (sent, delivered, "
            "undelivered) takes a disposition"
        )


def _checked(
    kind: str,
    details: Mapping[str, Any],
    message: Message,
    *,
    now: datetime,
    zones: Sequence[ZoneInfo],
    scanner: CivilityScanner,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The disposition's own fields, as stored, and every problem found in them."""
    problems = note_problems(details.get("note"), scanner)
    if kind not in set(Disposition):
        known = ", ".join(Disposition)
        return {}, [FieldProblem("kind", f"unknown {kind!r}; known: {known}"), *problems]
    allowed = _FIELDS.get(Disposition(kind), set()) | {"note", "preferences"}
    problems += [
        FieldProblem(name, f"not a field of a {kind} disposition")
        for name in sorted(set(details) - allowed)
    ]
    stored: dict[str, Any] = {"note": details["note"]} if details.get("note") else {}
    if details.get("preferences") is not None:
        stored |= _preferences(Disposition(kind), details["preferences"], problems)
    if kind == Disposition.PROMISE_TO_PAY:
        stored |= _promise(details, message, zones[0], now, problems)
    elif kind == Disposition.CALLBACK_REQUESTED:
        at = _aware_time(details.get("callback_at"), "callback_at", problems)
        if at is not None and at <= now:
            problems.append(FieldProblem("callback_at", "is not in the future"))
        elif at is not None:
            stored["callback_at"] = at.astimezone(UTC).isoformat()
    return stored, problems


def _preferences(kind: Disposition, raw: Any, problems: list[FieldProblem]) -> dict[str, Any]:
    """What the debtor said they prefer, checked; only from a debtor who spoke."""
    if kind not in STATES_PREFERENCES:
        spoke = ", ".join(sorted(STATES_PREFERENCES))
        problems.append(
            FieldProblem("preferences", f"only a debtor who spoke states them ({spoke})")
        )
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(FieldProblem("preferences", "must be an object naming a preference"))
        return {}
    unknown = sorted(str(k) for k in set(raw) - set(PREFERENCE_FIELDS))
    if unknown:
        known = ", ".join(PREFERENCE_FIELDS)
        problems.append(
            FieldProblem("preferences", f"unknown {', '.join(unknown)}; known: {known}")
        )
    try:
        checked = checked_preferences(raw, prefix="preferences.")
    except InvalidRequest as exc:
        problems += exc.problems
        return {}
    return {"preferences": checked} if checked else {}


def _promise(
    details: Mapping[str, Any],
    message: Message,
    zone: ZoneInfo,
    now: datetime,
    problems: list[FieldProblem],
) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    try:
        amount = Decimal(str(details.get("amount")))
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(details.get("amount"), bool) or not amount.is_finite() or amount <= 0:
        problems.append(FieldProblem("amount", 'must be a number greater than 0, e.g. "500.00"'))
    else:
        stored["amount"] = str(amount)
    currency = details.get("currency") or message.variables.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        problems.append(FieldProblem("currency", "needs a 3-letter code such as CNY or USD"))
    else:
        stored["currency"] = currency.upper()
    raw = details.get("date")
    try:
        promised = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        problems.append(FieldProblem("date", "needs an ISO 8601 date, e.g. 2026-12-05"))
    else:
        if promised < now.astimezone(zone).date():
            problems.append(FieldProblem("date", f"{promised} is in the past"))
        else:
            stored["date"] = promised.isoformat()
    extra = details.get("reminder_variables")
    if extra is not None and not isinstance(extra, Mapping):
        problems.append(FieldProblem("reminder_variables", "must be an object"))
    elif extra:
        stored["reminder_variables"] = dict(extra)
    return stored


def _aware_time(raw: Any, field: str, problems: list[FieldProblem]) -> datetime | None:
    try:
        at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        problems.append(FieldProblem(field, "needs an ISO 8601 date and time with an offset"))
        return None
    if at.tzinfo is None:
        problems.append(FieldProblem(field, "needs a time zone"))
        return None
    return at


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


def _follow_up_rows(
    deps: OutcomeDeps,
    message: Message,
    kind: Disposition,
    disposition: dict[str, Any],
    zones: Sequence[ZoneInfo],
    now: datetime,
    problems: list[FieldProblem],
) -> list[dict[str, Any]]:
    """The message a disposition schedules, validated like any other (none for most kinds,
    and none while the fields it is made from have problems); its problems join ``problems``."""
    common: dict[str, Any] = {
        "locale": message.locale, "destination": message.destination,
        "debtor_ref": message.debtor_ref, "account_ref": message.account_ref,
        "requested_by": message.requested_by,  # a campaign's pause covers its follow-ups
    }  # fmt: skip
    if kind == Disposition.PROMISE_TO_PAY and {"amount", "currency", "date"} <= set(disposition):
        request = _reminder(message, disposition, zones, common)
        field = "reminder_variables"
    elif kind == Disposition.CALLBACK_REQUESTED and "callback_at" in disposition:
        request = MessageRequest(
            channel=ChannelKind.VOICE, template=CALLBACK_TEMPLATE, variables=message.variables,
            idempotency_key=f"disposition:{message.id}:callback", collector_id=message.collector_id,
            send_after=datetime.fromisoformat(disposition["callback_at"]), **common,
        )  # fmt: skip
        field = "callback"
    else:
        return []
    try:
        return validate_batch(
            [request], catalog=deps.catalog, now=now,
            max_sms_segments=deps.settings.sms_max_segments,
            validity=timedelta(hours=deps.settings.message_validity_h),
        )  # fmt: skip
    except InvalidRequest as exc:
        problems += [
            FieldProblem(f"{field}.{p.field.removeprefix('variables.')}", p.problem)
            for p in exc.problems
        ]
        return []


def _reminder(
    message: Message,
    disposition: dict[str, Any],
    zones: Sequence[ZoneInfo],
    common: dict[str, Any],
) -> MessageRequest:
    promised = date.fromisoformat(disposition["date"])
    morning = max(datetime.combine(promised, REMINDER_HOUR, z) for z in zones)
    day_ends = min(datetime.combine(promised + timedelta(days=1), time(0), z) for z in zones)
    variables = {
        **message.variables,
        **dict(disposition.get("reminder_variables") or {}),
        "promise_amount": disposition["amount"],
        "promise_date": disposition["date"],
        "currency": disposition["currency"],
    }
    return MessageRequest(
        channel=ChannelKind.SMS, template=REMINDER_TEMPLATE, variables=variables,
        idempotency_key=f"disposition:{message.id}:promise_to_pay_reminder",
        send_after=morning, valid_until=day_ends if day_ends > morning else None, **common,
    )  # fmt: skip


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
        raise OutcomeConflict(f"call {message.id} took a disposition or moved on meanwhile")
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


async def enqueue_follow_ups(deps: OutcomeDeps, accepted: Sequence[Accepted]) -> None:
    """Jobs for what was just committed; if Redis is down, the sweep enqueues them."""
    jobs = [(a.message_id, a.scheduled_for) for a in accepted if a.created]
    if not jobs:
        return
    try:
        await deps.queue.enqueue(jobs, now=deps.log.clock.now())
    except (RedisError, OSError) as exc:
        log.warning("Redis unavailable (%s); %d follow-ups wait for the sweep", exc, len(jobs))
