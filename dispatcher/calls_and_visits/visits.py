"""On-site visits: planning one as a message, and recording how it went.

    request = await visit_request(log, debtor_ref="D-1", address={...}, visit_at=at,
                                  collector_ids=["c-1", "c-2"], locale="zh-CN",
                                  variables={"debtor_name": "王伟"}, requested_by="api:ops")
    accepted = await client.send(request)          # the pipeline texts each collector

The visit notice (``templates/visit/<locale>/visit_notice.j2``) says when and where:
``visit_time_local`` is the visit's time in the debtor's recorded time zone (else in the
offset it was given with), ``address_text`` the address on one line.

    await record_visit_outcome(log, message_id, by="c-1", went=["c-1", "c-2"],
                               result="visited", recording_ref="rec/2026/11/30/1.mp4")

A collector on the visit records its outcome once, after the notice went out and not
before the visit's time (an outcome for a visit that has not happened yet is refused,
naming ``result``): the result (``visited`` or ``not_met``), who went, the recording's
reference, a note (checked by the civility filter) and, when they met the debtor, the
preferences the debtor stated (added to the record). The visit's status becomes
``delivered``. Every problem is named at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from compliance.civility import CivilityScanner
from dispatcher.calls_and_visits.dispositions import (
    NotOnTheCall,
    OutcomeConflict,
    default_scanner,
    note_problems,
)
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.contactlog.transitions import move
from dispatcher.debtors.addresses import checked_address, postal_address
from dispatcher.domain import ChannelKind, ContactResult, Disposition, EventSource, MessageStatus
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.preferences import PREFERENCE_FIELDS, change_preferences, checked_preferences

__all__ = ["VISIT_RESULTS", "VISIT_TEMPLATE", "record_visit_outcome", "visit_request"]

VISIT_TEMPLATE = "visit_notice"
VISIT_RESULTS = {
    ContactResult.VISITED: Disposition.RIGHT_PARTY,  # the collectors met the debtor
    ContactResult.NOT_MET: Disposition.NO_CONTACT,
}
MAX_REF = 200


async def visit_request(
    log: ContactLog,
    *,
    debtor_ref: str,
    address: Mapping[str, Any],
    visit_at: datetime,
    collector_ids: Sequence[str],
    locale: str | None,
    variables: Mapping[str, Any] | None = None,
    account_ref: str | None = None,
    idempotency_key: str | None = None,
    requested_by: str = "strategy",
) -> MessageRequest:
    """A visit as a message request; validation happens where every request's does."""
    zone = await _recorded_zone(log, debtor_ref)
    local = visit_at.astimezone(zone) if zone and visit_at.tzinfo else visit_at
    try:
        address_text = postal_address(checked_address(address)).one_line()
    except InvalidRequest:
        address_text = ""  # the request's validation names what is wrong with it
    return MessageRequest(
        channel=ChannelKind.VISIT, template=VISIT_TEMPLATE, locale=locale, destination="",
        debtor_ref=debtor_ref, account_ref=account_ref, idempotency_key=idempotency_key,
        requested_by=requested_by, collector_ids=tuple(collector_ids), address=address,
        variables={
            **(variables or {}),
            "visit_at": visit_at.isoformat(),
            "visit_time_local": f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip(),
            "address_text": address_text,
        },
    )  # fmt: skip


async def _recorded_zone(log: ContactLog, debtor_ref: str) -> ZoneInfo | None:
    async with log.engine.connect() as conn:
        name = (
            await conn.execute(select(Debtor.time_zone).where(Debtor.debtor_ref == debtor_ref))
        ).scalar()
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def record_visit_outcome(
    log: ContactLog,
    message_id: str,
    *,
    by: str,
    went: Sequence[str],
    result: str,
    recording_ref: str | None = None,
    note: str | None = None,
    scanner: CivilityScanner | None = None,
    preferences: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record what a visit came to; returns the disposition as stored. ``preferences``:
    what the debtor the collectors met said (``visited`` only), added to their record in
    the same transaction and logged as this collector's, from this visit."""
    message = await log.get(message_id)
    on_visit = list(message.collector_ids or ())
    if message.channel != ChannelKind.VISIT:
        raise OutcomeConflict(
            f"message {message_id} is a {message.channel} message, not a visit",
            code="not_a_visit", channel=str(message.channel), message_id=message_id,
        )  # fmt: skip
    if by not in on_visit:
        raise NotOnTheCall(
            f"collector {by} is not on visit {message_id}", code="not_on_the_visit",
            collector_id=by, message_id=message_id,
        )  # fmt: skip
    _check_open(message)
    now = log.clock.now()
    problems = _problems(went, on_visit, result, recording_ref)
    problems += _too_early(message, now)
    problems += note_problems(note, scanner or default_scanner())
    stated = _stated(preferences, result, problems)
    if problems:
        raise InvalidRequest(problems)
    disposition: dict[str, Any] = {
        "kind": VISIT_RESULTS[ContactResult(result)].value,
        "result": result,
        "by": by,
        "at": now.isoformat(),
        "went": list(dict.fromkeys(went)),
        **({"note": note} if note else {}),
        **({"recording_ref": recording_ref} if recording_ref else {}),
        **({"preferences": stated} if stated else {}),
    }
    changes = {"result": result, "recording_ref": recording_ref, "disposition": disposition}
    async with log.engine.begin() as conn:
        moved = await move(
            conn, message_id, expect={MessageStatus.SENT}, to=MessageStatus.DELIVERED,
            source=EventSource.API, detail={"visit_outcome": disposition}, at=now,
            changes=changes,
        )  # fmt: skip
        if not moved:
            raise OutcomeConflict(
                f"visit {message_id} took an outcome or moved on meanwhile",
                code="visit_moved_on", message_id=message_id,
            )  # fmt: skip
        if stated:
            await change_preferences(
                conn, message.debtor_ref, stated, merge=True, by=f"collector:{by}",
                source=f"visit:{message_id}", reason=note or f"said on visit {message_id}",
                at=now,
            )  # fmt: skip
    return disposition


def _stated(
    raw: Mapping[str, Any] | None, result: str, problems: list[FieldProblem]
) -> dict[str, Any]:
    """The preferences the debtor stated at the door, checked (``preferences.<field>``)."""
    if raw is None:
        return {}
    if result != ContactResult.VISITED:
        problems.append(
            FieldProblem("preferences", "only a debtor the collectors met states them",
                         code="visit.preferences.not_met")
        )  # fmt: skip
        return {}
    unknown = sorted(str(k) for k in set(raw) - set(PREFERENCE_FIELDS))
    if unknown or not raw:
        known = ", ".join(PREFERENCE_FIELDS)
        problems.append(
            FieldProblem("preferences", f"name one or more of {known}",
                         code="visit.preferences.none_named", params={"known": known})
        )  # fmt: skip
    try:
        return checked_preferences(raw, prefix="preferences.")
    except InvalidRequest as exc:
        problems += exc.problems
        return {}


def _check_open(message: Message) -> None:
    if message.disposition is not None:
        result, by = message.disposition.get("result"), message.disposition.get("by")
        raise OutcomeConflict(
            f"visit {message.id} has an outcome already ({result}, by {by}); "
            "an outcome is recorded once",
            code="visit_recorded", result=str(result), by=str(by), message_id=message.id,
        )  # fmt: skip
    if message.status != MessageStatus.SENT:
        raise OutcomeConflict(
            f"visit {message.id} is {message.status}: only a visit whose notice went out "
            "(sent) takes an outcome",
            code="visit_not_sent", status=str(message.status), message_id=message.id,
        )  # fmt: skip


def _too_early(message: Message, now: datetime) -> list[FieldProblem]:
    """A visit's outcome exists once its time has come (``variables.visit_at``)."""
    try:
        at = datetime.fromisoformat(str(message.variables.get("visit_at")))
    except ValueError:
        return []  # checked when it was planned; a row without one predates the rule
    if at.tzinfo is None or at <= now:
        return []
    shown = message.variables.get("visit_time_local") or at.isoformat()
    return [
        FieldProblem(
            "result",
            f"visit {message.id} is booked for {shown} ({at.isoformat()}): its outcome can "
            "be recorded from then on, not before",
            code="visit.result.too_early",
            params={"visit_id": message.id, "shown": shown, "at": at.isoformat()},
        )
    ]


def _problems(
    went: Sequence[str], on_visit: list[str], result: str, recording_ref: str | None
) -> list[FieldProblem]:
    problems = []
    if result not in VISIT_RESULTS:
        known = "visited, not_met"
        problems.append(
            FieldProblem("result", f"unknown {result!r}; known: {known}", code="unknown_choice",
                         params={"value": repr(result), "known": known})
        )  # fmt: skip
    if not went:
        problems.append(
            FieldProblem("went", "name at least one collector who went", code="visit.went.none")
        )
    strangers = [c for c in went if c not in on_visit]
    if strangers:
        problems.append(
            FieldProblem(
                "went",
                f"not on this visit: {', '.join(map(str, strangers))}",
                code="visit.went.strangers",
                params={"collectors": ", ".join(map(str, strangers))},
            )
        )
    if recording_ref is not None and not 1 <= len(recording_ref) <= MAX_REF:
        problems.append(
            FieldProblem("recording_ref", f"must be 1 to {MAX_REF} characters", code="length",
                         params={"max": MAX_REF})
        )  # fmt: skip
    return problems
