"""A debtor's stated preferences, checked: every problem named, nothing stored on a refusal.

    checked_preferences({"inconvenient_times": [{"end": "10:00"}],     # not before 10:00
                         "inconvenient_places": ["work"],               # not at work
                         "preferred_channel": "sms", "preferred_locale": "zh-CN"})

An inconvenient time is local to the debtor (every zone the hours rule places them in):
``weekdays`` (Monday 0 .. Sunday 6; default every day), ``start`` and ``end`` as HH:MM
(defaults 00:00). ``[start, end)``; an end at or before the start runs past midnight, so
``{"end": "10:00"}`` is "not before 10:00", ``{"start": "18:00"}`` "not after 18:00" and
``{"weekdays": [5, 6]}`` "not at weekends". A time covering the whole week is refused: a
debtor who wants no contact at all asks for a cease (a hold).

Only the fields given are returned: a preference left out is not changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dispatcher.domain import ChannelKind
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.i18n.locales import LOCALES

__all__ = [
    "MAX_TIMES",
    "PLACE_HOLDS",
    "PREFERENCE_FIELDS",
    "checked_inconvenient_times",
    "checked_preferences",
]

# A place the debtor named as inconvenient, and the hold kind that obeys it (the holds
# rule already stops calls and texts to numbers typed "work"): one mechanism, not two.
PLACE_HOLDS = {"work": "no_work_contact"}
PREFERENCE_FIELDS = (
    "inconvenient_times",
    "inconvenient_places",
    "preferred_channel",
    "preferred_locale",
)
MAX_TIMES = 20
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_TIME_FIELDS = frozenset({"weekdays", "start", "end"})
_EVERY_DAY = list(range(7))


def checked_preferences(raw: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The preferences given in ``raw`` (and only those), as stored; ``InvalidRequest``
    naming every bad one (``{prefix}inconvenient_times[0].start``). ``None`` clears."""
    problems: list[FieldProblem] = []
    checked: dict[str, Any] = {}
    if "inconvenient_times" in raw:
        try:
            checked["inconvenient_times"] = (
                checked_inconvenient_times(
                    raw["inconvenient_times"], field=f"{prefix}inconvenient_times"
                )
                or []
            )
        except InvalidRequest as exc:
            problems += exc.problems
    if "inconvenient_places" in raw:
        places = _places(raw["inconvenient_places"], f"{prefix}inconvenient_places", problems)
        checked["inconvenient_places"] = places
    for name, known in (("preferred_channel", tuple(ChannelKind)), ("preferred_locale", LOCALES)):
        if name not in raw:
            continue
        value = raw[name]
        if value is not None and value not in known:
            listed = ", ".join(known)
            problems.append(
                FieldProblem(
                    f"{prefix}{name}",
                    f"unknown {value!r}; known: {listed}",
                    code="unknown_choice",
                    params={"value": repr(value), "known": listed},
                )
            )
        checked[name] = value
    if problems:
        raise InvalidRequest(problems)
    return checked


def checked_inconvenient_times(
    raw: Any, *, field: str = "inconvenient_times"
) -> list[dict[str, Any]] | None:
    """Inconvenient times as stored (``{"weekdays", "start", "end"}``), or None for None."""
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_TIMES:
        raise InvalidRequest.of(
            field, f"must be a list of at most {MAX_TIMES} times", code="preferences.time.too_many",
            params={"max": MAX_TIMES},
        )  # fmt: skip
    problems: list[FieldProblem] = []
    stored = []
    for index, entry in enumerate(raw):
        one = _time(entry, f"{field}[{index}]", problems)
        if one is not None and one not in stored:
            stored.append(one)
    if problems:
        raise InvalidRequest(problems)
    return stored


def _time(entry: Any, field: str, problems: list[FieldProblem]) -> dict[str, Any] | None:
    if not isinstance(entry, Mapping) or not entry:
        problems.append(
            FieldProblem(
                field,
                "must be an object with weekdays, start and/or end (HH:MM)",
                code="preferences.time.not_object",
            )
        )
        return None
    before = len(problems)
    unknown = sorted(str(k) for k in set(entry) - _TIME_FIELDS)
    if unknown:
        names = ", ".join(unknown)
        problems.append(
            FieldProblem(
                field, f"unknown field(s): {names}", code="unknown_fields", params={"names": names}
            )
        )
    weekdays = entry.get("weekdays", _EVERY_DAY)
    if (
        not isinstance(weekdays, list)
        or not weekdays
        or not all(type(d) is int and 0 <= d <= 6 for d in weekdays)
    ):
        problems.append(
            FieldProblem(
                f"{field}.weekdays",
                "must be a list of days 0 (Monday) to 6 (Sunday)",
                code="preferences.time.weekdays",
            )
        )
    ends = {}
    for name in ("start", "end"):
        value = entry.get(name, "00:00")
        if not isinstance(value, str) or not _HHMM.fullmatch(value):
            problems.append(
                FieldProblem(
                    f"{field}.{name}",
                    "must be a time like 09:30 (HH:MM)",
                    code="preferences.time.hhmm",
                )
            )
        ends[name] = value
    if len(problems) > before:
        return None
    days = sorted(set(weekdays))
    if ends["start"] == ends["end"] and len(days) == 7:
        problems.append(
            FieldProblem(
                field,
                "covers every hour of every day: a debtor who wants no contact asks for a "
                "cease (a hold), not an inconvenient time",
                code="preferences.time.always",
            )
        )
        return None
    return {"weekdays": days, "start": ends["start"], "end": ends["end"]}


def _places(raw: Any, field: str, problems: list[FieldProblem]) -> list[str]:
    if raw is None:
        return []
    known = ", ".join(PLACE_HOLDS)
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        problems.append(
            FieldProblem(
                field,
                f"must be a list of places ({known})",
                code="preferences.places.not_a_list",
                params={"known": known},
            )
        )
        return []
    for index, place in enumerate(raw):
        if place not in PLACE_HOLDS:
            problems.append(
                FieldProblem(
                    f"{field}[{index}]",
                    f"unknown {place!r}; known: {known}",
                    code="unknown_choice",
                    params={"value": repr(place), "known": known},
                )
            )
    return sorted({p for p in raw if p in PLACE_HOLDS})
