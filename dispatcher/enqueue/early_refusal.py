"""What the contact log already knows at enqueue, so that a request the gate would
certainly refuse is refused at once (422, the field named), not accepted and blocked later.

    facts = await enqueue_facts(engine, requests, now=clock.now())
    rows = validate_batch(requests, ..., facts=facts)

Read once per batch (one query per 500 debtors, one for the collectors), then checked
per request by ``early_problems``:

- no rule pack for the debtor: the packs on the debtor's record, else its country's (the
  record, the home address, else the destination number's or address's) — a JP number
  for a debtor with no record names ``destination``; a letter to a JP address names
  ``address.country``. The hours rule blocks exactly these at send time.
- a collector who is unknown or inactive, or whose training or credential fails on every
  local date the contact can have, from today's earliest (UTC-12) to the latest of its
  last moment (UTC+14; a visit's time, else the message's validity) — ``collector_id``,
  ``collector_ids[1]``: the collector rule, which reads the contact's local date, would
  block them. One whose credential expires on the way is left to the gate. This is the
  one check of a call's or visit's collectors before anything is written: ``POST
  /v1/calls``, ``POST /v1/visits`` and the desk's click-to-call rely on it (through
  ``send_many``) and do not check them again.

It also gives each debtor's language: a request that names no locale is rendered in the
debtor's preferred language, else the locale of their record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import CollectorFact
from compliance.applicable import applicable_packs
from compliance.hours.zones import UnknownLocation
from compliance.packs import PackError
from compliance.rules.collectors import credential_issue
from dispatcher.contactlog.collectors import collector_facts, read_collectors
from dispatcher.contactlog.models import Debtor
from dispatcher.domain import PHONE_CHANNELS, ChannelKind
from dispatcher.errors import FieldProblem

__all__ = ["DebtorFacts", "EnqueueFacts", "early_problems", "enqueue_facts"]

_CHUNK = 500
# How far local dates run from UTC: UTC-12 to UTC+14.
_WEST, _EAST = timedelta(hours=12), timedelta(hours=14)


class Asked(Protocol):
    """What is read of a request here (``MessageRequest`` has it)."""

    @property
    def channel(self) -> str: ...
    @property
    def debtor_ref(self) -> str: ...
    @property
    def collector_id(self) -> str | None: ...
    @property
    def collector_ids(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class DebtorFacts:
    locale: str | None  # the preferred language, else the record's locale
    packs: list[str] | None
    country: str | None  # the record's, else the home address's
    region: str | None


@dataclass(frozen=True)
class EnqueueFacts:
    debtors: Mapping[str, DebtorFacts]
    collectors: Mapping[str, CollectorFact]
    now: datetime
    # False: only the locale is taken from here; the gate alone refuses (a demo of it).
    refuse: bool = True

    def locale_of(self, debtor_ref: str) -> str | None:
        found = self.debtors.get(debtor_ref)
        return found.locale if found else None


async def enqueue_facts(
    engine: AsyncEngine, requests: Sequence[Asked], *, now: datetime, refuse: bool = True
) -> EnqueueFacts:
    refs = sorted({r.debtor_ref for r in requests})
    collector_ids = sorted({c for r in requests for c in _named(r)})
    debtors: dict[str, DebtorFacts] = {}
    async with engine.connect() as conn:
        for start in range(0, len(refs), _CHUNK):
            rows = await conn.execute(
                select(
                    Debtor.debtor_ref, Debtor.locale, Debtor.preferred_locale, Debtor.packs,
                    Debtor.country, Debtor.region, Debtor.address,
                ).where(Debtor.debtor_ref.in_(refs[start : start + _CHUNK]))
            )  # fmt: skip
            debtors |= {row.debtor_ref: _debtor(row) for row in rows}
        found = await read_collectors(conn, collector_ids) if collector_ids else {}
    collectors = {fact.collector_id: fact for fact in collector_facts(found)}
    return EnqueueFacts(debtors, collectors, now, refuse)


def early_problems(
    request: Asked, country: str, facts: EnqueueFacts, *, latest: datetime
) -> list[FieldProblem]:
    """Why the gate would certainly refuse this request. ``country``: the destination
    number's or address's, as read when it was checked ("" when it is itself refused);
    ``latest``: the last moment the contact can happen."""
    if not facts.refuse:
        return []
    earliest = (facts.now - _WEST).date()
    dates = sorted({earliest, max(earliest, (latest + _EAST).date())})
    problems = _collector_problems(request, facts, dates)
    if country:
        problem = _pack_problem(request, country, facts.debtors.get(request.debtor_ref))
        if problem is not None:
            problems.append(problem)
    return problems


def _pack_problem(request: Asked, country: str, debtor: DebtorFacts | None) -> FieldProblem | None:
    """The packs as the pipeline finds them (``applicable_packs``): the debtor's record,
    else its country (record, home address), else the destination's country."""
    try:
        applicable_packs(
            destination="",  # its country is given: the number is not read again
            recorded=debtor.packs if debtor else None,
            country=(debtor.country if debtor else None) or country,
            region=debtor.region if debtor else None,
        )
    except (PackError, UnknownLocation) as exc:
        field = "destination" if request.channel in PHONE_CHANNELS else "address.country"
        return FieldProblem(
            field,
            f"no rule pack applies, so the gate would block it: {exc}. Record the debtor's "
            f"country or packs (PUT /v1/debtors/{request.debtor_ref}) if they have one",
            code="enqueue.packs.none_apply",
            params={"reason": str(exc), "debtor_ref": request.debtor_ref},
        )
    return None


def _collector_problems(
    request: Asked, facts: EnqueueFacts, dates: Sequence[date]
) -> list[FieldProblem]:
    problems = []
    for field, collector_id in _fields_of(request):
        fact = facts.collectors.get(collector_id)
        if fact is None:
            problems.append(
                FieldProblem(field, f"unknown collector {collector_id!r}",
                             code="collector.unknown", params={"collector_id": repr(collector_id)})
            )  # fmt: skip
            continue
        found = [credential_issue(fact, on=day) for day in dates]
        last = found[-1] if found and all(found) else None  # on every date the contact can have
        if last is not None:  # its code is the verdict reason's (reasons.code.collector.*)
            problems.append(FieldProblem(field, last.text, code=last.code, params=last.params))
    return problems


def _fields_of(request: Asked) -> Iterable[tuple[str, str]]:
    if request.channel == ChannelKind.VISIT:
        if request.collector_id and request.collector_id not in request.collector_ids:
            yield "collector_id", request.collector_id
        seen: set[str] = set()
        for index, collector_id in enumerate(request.collector_ids):
            if collector_id not in seen:
                seen.add(collector_id)
                yield f"collector_ids[{index}]", collector_id
    elif request.channel == ChannelKind.VOICE and request.collector_id:
        yield "collector_id", request.collector_id


def _named(request: Asked) -> Iterable[str]:
    return (c for _, c in _fields_of(request))


def _debtor(row: Any) -> DebtorFacts:
    home = row.address or {}
    return DebtorFacts(
        locale=row.preferred_locale or row.locale,
        packs=row.packs,
        country=row.country or home.get("country"),
        region=row.region or home.get("region"),
    )
