"""A disposition's own fields, checked: every problem named at once, nothing stored.

``checked_fields`` returns the fields as stored and the problems found in them: a
promise's amount, currency and date, a callback's time, the note (at most 2000
characters, no forbidden phrase) and the preferences the debtor stated.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from compliance.civility import CivilityScanner, check_free_text
from dispatcher.contactlog.models import Message
from dispatcher.domain import Disposition
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.preferences import PREFERENCE_FIELDS, checked_preferences

__all__ = [
    "MAX_NOTE",
    "SPOKE",
    "STATES_PREFERENCES",
    "checked_fields",
    "default_scanner",
    "note_problems",
]

# Kinds that say the collector spoke with the debtor: the call was a conversation.
SPOKE = frozenset(
    {Disposition.RIGHT_PARTY, Disposition.PROMISE_TO_PAY, Disposition.REFUSED, Disposition.DISPUTE}
)
_FIELDS = {
    Disposition.PROMISE_TO_PAY: {"amount", "currency", "date", "reminder_variables"},
    Disposition.CALLBACK_REQUESTED: {"callback_at"},
}
# Kinds where the debtor was spoken with, and so may have stated preferences.
STATES_PREFERENCES = SPOKE | {Disposition.CALLBACK_REQUESTED}
MAX_NOTE = 2000


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
        return [
            FieldProblem(
                field,
                f"must be text of at most {MAX_NOTE} characters",
                code="disposition.note.too_long",
                params={"max": MAX_NOTE},
            )
        ]
    return [
        FieldProblem(
            field,
            f"forbidden phrase {f.phrase!r} ({f.category}): {f.matched_text!r}",
            code="disposition.note.forbidden_phrase",
            params={
                "phrase": repr(f.phrase),
                "category": str(f.category),
                "text": repr(f.matched_text),
            },
        )
        for f in check_free_text(note, scanner)
    ]


def checked_fields(
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
        unknown = FieldProblem(
            "kind",
            f"unknown {kind!r}; known: {known}",
            code="unknown_choice",
            params={"value": repr(kind), "known": known},
        )
        return {}, [unknown, *problems]
    allowed = _FIELDS.get(Disposition(kind), set()) | {"note", "preferences"}
    problems += [
        FieldProblem(
            name,
            f"not a field of a {kind} disposition",
            code="disposition.field_not_taken",
            params={"kind": kind},
        )
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
            problems.append(FieldProblem("callback_at", "is not in the future", code="not_future"))
        elif at is not None:
            stored["callback_at"] = at.astimezone(UTC).isoformat()
    return stored, problems


def _preferences(kind: Disposition, raw: Any, problems: list[FieldProblem]) -> dict[str, Any]:
    """What the debtor said they prefer, checked; only from a debtor who spoke."""
    if kind not in STATES_PREFERENCES:
        spoke = ", ".join(sorted(STATES_PREFERENCES))
        problems.append(
            FieldProblem(
                "preferences",
                f"only a debtor who spoke states them ({spoke})",
                code="disposition.preferences.not_spoken",
                params={"kinds": spoke},
            )
        )
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            FieldProblem(
                "preferences",
                "must be an object naming a preference",
                code="disposition.preferences.not_object",
            )
        )
        return {}
    unknown = sorted(str(k) for k in set(raw) - set(PREFERENCE_FIELDS))
    if unknown:
        known = ", ".join(PREFERENCE_FIELDS)
        problems.append(
            FieldProblem(
                "preferences",
                f"unknown {', '.join(unknown)}; known: {known}",
                code="unknown_choice",
                params={"value": ", ".join(unknown), "known": known},
            )
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
        problems.append(
            FieldProblem(
                "amount",
                'must be a number greater than 0, e.g. "500.00"',
                code="disposition.amount.invalid",
            )
        )
    else:
        stored["amount"] = str(amount)
    currency = details.get("currency") or message.variables.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        problems.append(
            FieldProblem(
                "currency",
                "needs a 3-letter code such as CNY or USD",
                code="disposition.currency.invalid",
            )
        )
    else:
        stored["currency"] = currency.upper()
    raw = details.get("date")
    try:
        promised = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        problems.append(
            FieldProblem(
                "date", "needs an ISO 8601 date, e.g. 2026-12-05", code="disposition.date.invalid"
            )
        )
    else:
        if promised < now.astimezone(zone).date():
            problems.append(
                FieldProblem(
                    "date",
                    f"{promised} is in the past",
                    code="disposition.date.past",
                    params={"date": str(promised)},
                )
            )
        else:
            stored["date"] = promised.isoformat()
    extra = details.get("reminder_variables")
    if extra is not None and not isinstance(extra, Mapping):
        problems.append(
            FieldProblem("reminder_variables", "must be an object", code="not_an_object")
        )
    elif extra:
        stored["reminder_variables"] = dict(extra)
    return stored


def _aware_time(raw: Any, field: str, problems: list[FieldProblem]) -> datetime | None:
    try:
        at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        problems.append(
            FieldProblem(
                field,
                "needs an ISO 8601 date and time with an offset",
                code="disposition.time.invalid",
            )
        )
        return None
    if at.tzinfo is None:
        problems.append(FieldProblem(field, "needs a time zone", code="needs_zone"))
        return None
    return at
