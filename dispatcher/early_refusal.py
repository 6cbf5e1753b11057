"""What the contact log already knows at enqueue, so that a request the gate would
certainly refuse is refused at once (422, the field named), not accepted and blocked later.

    facts = await enqueue_facts(engine, requests, today=clock.now().date())
    rows = validate_batch(requests, ..., facts=facts)

Read once per batch (one query per 500 debtors, one for the collectors), then checked
per request by ``early_problems``:

- no rule pack for the debtor: the packs on the debtor's record, else its country's (the
  record, the home address, else the destination number's or address's) — a JP number
  for a debtor with no record names ``destination``; a letter to a JP address names
  ``address.country``. The hours rule blocks exactly these at send time.
- a collector who is unknown, inactive, untrained or whose credential has expired today
  (``collector_id``, ``collector_ids[1]``): the collector rule would block them.

It also gives each debtor's language: a request that names no locale is rendered in the
debtor's preferred language, else the locale of their record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from compliance import CollectorFact
from compliance.applicable import applicable_packs
from compliance.hours.zones import UnknownLocation, country_of
from compliance.packs import PackError
from compliance.rules.collectors import credential_problem
from dispatcher.contactlog.collectors import collector_facts, read_collectors
from dispatcher.contactlog.models import Debtor
from dispatcher.domain import PHONE_CHANNELS, ChannelKind
from dispatcher.errors import FieldProblem

__all__ = ["DebtorFacts", "EnqueueFacts", "early_problems", "enqueue_facts"]

_CHUNK = 500


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
    today: date
    # False: only the locale is taken from here; the gate alone refuses (a demo of it).
    refuse: bool = True

    def locale_of(self, debtor_ref: str) -> str | None:
        found = self.debtors.get(debtor_ref)
        return found.locale if found else None


async def enqueue_facts(
    engine: AsyncEngine, requests: Sequence[Asked], *, today: date, refuse: bool = True
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
    return EnqueueFacts(debtors, collectors, today, refuse)


def early_problems(request: Asked, destination: str, facts: EnqueueFacts) -> list[FieldProblem]:
    """Why the gate would certainly refuse this request (``destination`` as stored: E.164,
    or the address key of a letter or visit; "" when it is itself refused)."""
    if not facts.refuse:
        return []
    problems = _collector_problems(request, facts)
    if destination:
        problem = _pack_problem(request, destination, facts.debtors.get(request.debtor_ref))
        if problem is not None:
            problems.append(problem)
    return problems


def _pack_problem(
    request: Asked, destination: str, debtor: DebtorFacts | None
) -> FieldProblem | None:
    try:
        recorded = debtor.packs if debtor else None
        country = debtor.country if debtor else None
        applicable_packs(
            destination=destination,
            recorded=recorded,
            country=country or (None if recorded else country_of_stored(destination)),
            region=debtor.region if debtor else None,
        )
    except (PackError, UnknownLocation) as exc:
        field = "destination" if request.channel in PHONE_CHANNELS else "address.country"
        return FieldProblem(
            field,
            f"no rule pack applies, so the gate would block it: {exc}. Record the debtor's "
            f"country or packs (PUT /v1/debtors/{request.debtor_ref}) if they have one",
        )
    return None


def country_of_stored(destination: str) -> str:
    """``country_of`` for a destination as stored (valid E.164, or an address key), without
    parsing the number again: its country code, and only for a code that several
    countries share (+1, +44, ...), the metadata's leading digits — as ``parse`` would."""
    if not destination.startswith("+"):
        return country_of(destination)
    digits = destination[1:]
    for size in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
        if regions:
            break
    else:
        return country_of(destination)  # its own error
    if len(regions) == 1:
        return str(regions[0])
    national = digits[size:]
    zeros = len(national) - len(national.lstrip("0"))
    number = phonenumbers.PhoneNumber(
        country_code=int(digits[:size]),
        national_number=int(national),
        italian_leading_zero=zeros > 0 or None,
        number_of_leading_zeros=zeros if zeros > 1 else None,
    )
    region = phonenumbers.region_code_for_number(number)
    if not region:
        raise UnknownLocation(f"cannot tell the country of {destination}")
    return str(region)


def _collector_problems(request: Asked, facts: EnqueueFacts) -> list[FieldProblem]:
    problems = []
    for field, collector_id in _fields_of(request):
        fact = facts.collectors.get(collector_id)
        if fact is None:
            problems.append(FieldProblem(field, f"unknown collector {collector_id!r}"))
            continue
        why = credential_problem(fact, on=facts.today)
        if why is not None:
            problems.append(FieldProblem(field, why))
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
