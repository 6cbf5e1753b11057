"""Debtors' contact data (strategy, compliance), their accounts (strategy) and holds
(compliance).

``PUT /v1/debtors/{debtor_ref}`` replaces what the contact rules know of a debtor: a
field left out is cleared — except the debtor's preferences (``inconvenient_times``,
``inconvenient_places``, ``preferred_channel``, ``preferred_locale``), which change only
when named (null clears one) and are logged with the key and ``reason``; see
``dispatcher.preferences``. ``GET /v1/debtors/{debtor_ref}/preferences`` shows them and
their log. Its phones and home address are answered in full to
compliance and masked to strategy, which sends them but has no need to read them back.
``PUT /v1/debtors/{debtor_ref}/accounts/{account_ref}`` replaces one debt's amount,
currency and days overdue. Holds are set and lifted, never deleted; setting one that
is already active changes nothing (200 instead of 201).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from dispatcher.api.auth import PEOPLE, allow
from dispatcher.api.bodies import MAX_BODY_BYTES, Query, read_body, read_raw, refusal
from dispatcher.api.context import Api
from dispatcher.api.models import accounts
from dispatcher.api.models import debtors as debtor_bodies
from dispatcher.api.models import holds as hold_bodies
from dispatcher.api.models.problems import field_problems, within
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.api.views import debtor_contact_json, debtor_zone, on_debtors_clock
from dispatcher.contactlog.audit import HoldRow
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.debtors.phones import e164
from dispatcher.debtors.record import checked_debtor
from dispatcher.errors import FieldProblem, InvalidRequest
from dispatcher.preferences import PREFERENCE_FIELDS, read_preferences

__all__ = ["get_preferences", "lift_hold", "list_holds", "put_account", "put_debtor", "set_hold"]

DEBTOR_REF_MAX = 100
# The fields of a debtor the record checks beside the preferences.
_RECORD_FIELDS = frozenset(
    {"locale", "time_zone", "country", "region", "packs", "phones", "address"}
)


@allow(Role.STRATEGY, Role.COMPLIANCE)
async def put_debtor(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref = request.match_info["debtor_ref"]
    raw = await read_raw(request, max_bytes=MAX_BODY_BYTES)
    ref_problems = [p for p in [_ref_problem(debtor_ref, "debtor_ref")] if p is not None]
    try:
        body = debtor_bodies.DebtorRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise _every_problem(exc, raw, ref_problems) from None
    # A preference left out is kept: a collector may have recorded it (see preferences).
    stated = body.stated()
    dumped = body.model_dump(mode="json", include={"phones", "address"}, exclude_unset=True)
    try:
        checked = checked_debtor(
            locale=body.locale, time_zone=body.time_zone, country=body.country,
            region=body.region, packs=body.packs, phones=dumped.get("phones"),
            address=dumped.get("address"), preferences=stated,
        )  # fmt: skip
    except InvalidRequest as exc:
        raise Problem.invalid([*ref_problems, *exc.problems]) from None
    if ref_problems:
        raise Problem.invalid(ref_problems)
    phones, address = checked.get("phones"), checked.get("address")
    stored = await api.deps.log.upsert_debtor(
        debtor_ref, locale=body.locale, time_zone=body.time_zone, country=body.country,
        region=body.region, packs=body.packs, phones=phones, address=address,
        preferences=stated, changed_by=key.label,
        reason=body.reason or f"PUT /v1/debtors/{debtor_ref}",
    )  # fmt: skip
    answer = {
        "debtor_ref": debtor_ref, "locale": body.locale, "time_zone": body.time_zone,
        "country": body.country, "region": body.region, "packs": body.packs,
        **debtor_contact_json(phones, address, full=key.role is not Role.STRATEGY),
        **{name: stored[name] for name in PREFERENCE_FIELDS},
    }  # fmt: skip
    return shown(debtor_bodies.Debtor.model_validate(answer))


@allow(Role.STRATEGY, Role.COLLECTOR, Role.COMPLIANCE)
async def get_preferences(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    """What the debtor asked for, and every change of it (who, where from, why)."""
    debtor_ref = request.match_info["debtor_ref"]
    if (problem := _ref_problem(debtor_ref, "debtor_ref")) is not None:
        raise Problem.invalid([problem])
    Query(request).finish()
    preferences, changes = await read_preferences(api.deps.log, debtor_ref)
    if key.role in PEOPLE:
        await api.audit.record_read(
            reader=key.label, action="preferences.read", debtor_ref=debtor_ref,
            filters={"debtor_ref": debtor_ref}, rows=len(changes),
        )  # fmt: skip
    answer = {
        "debtor_ref": debtor_ref,
        **asdict(preferences),
        "changes": [asdict(c) for c in changes],
    }
    return shown(debtor_bodies.DebtorPreferences.model_validate(answer))


@allow(Role.STRATEGY)
async def put_account(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref = request.match_info["debtor_ref"]
    account_ref = request.match_info["account_ref"]
    refs = [_ref_problem(debtor_ref, "debtor_ref"), _ref_problem(account_ref, "account_ref")]
    if any(refs):
        raise Problem.invalid([p for p in refs if p is not None])
    body = await read_body(request, accounts.AccountRequest)
    stored = await api.deps.log.upsert_account(
        debtor_ref, account_ref, amount=body.amount, currency=body.currency,
        days_overdue=body.days_overdue,
    )  # fmt: skip
    return shown(accounts.Account(**stored))


@allow(Role.COMPLIANCE)
async def set_hold(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, hold_bodies.HoldRequest)
    target = _hold_target(body)
    created = await api.deps.log.add_hold(
        **target, set_by=key.label, source="api", reason=body.reason
    )
    answer = hold_bodies.HoldSet(created=created, **target, reason=body.reason)
    return shown(answer, status=201 if created else 200)


@allow(Role.COMPLIANCE)
async def lift_hold(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    target = _hold_target(await read_body(request, hold_bodies.HoldLiftRequest))
    lifted = await api.deps.log.lift_hold(**target, lifted_by=key.label)
    return shown(hold_bodies.HoldLifted(lifted=lifted, **target))


@allow(Role.COMPLIANCE)
async def list_holds(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    query = Query(request)
    debtor_ref = query.text("debtor_ref")
    destination = _destination(query.text("destination", max_length=64), query.problems)
    active_only = query.boolean("active", default=True)
    if debtor_ref is None and destination is None and not query.problems:
        query.fail("debtor_ref", "give a debtor_ref or a destination", "hold.filter.missing")
    query.finish()
    holds = await api.audit.holds(
        debtor_ref=debtor_ref, destination=destination, active_only=active_only
    )
    await api.audit.record_read(
        reader=key.label, action="holds.list", debtor_ref=debtor_ref, rows=len(holds),
        filters={"debtor_ref": debtor_ref, "destination": destination, "active": active_only},
    )  # fmt: skip
    zones = await api.audit.debtor_zones({h.debtor_ref for h in holds if h.debtor_ref})
    return shown(hold_bodies.HoldList(items=[_hold_shown(h, zones) for h in holds]))


def _hold_shown(hold: HoldRow, zones: dict[str, str]) -> hold_bodies.Hold:
    zone = debtor_zone(zones.get(hold.debtor_ref or ""), None)
    local = None if zone is None else on_debtors_clock(asdict(hold), _HOLD_TIMES, zone)
    return hold_bodies.Hold.model_validate(
        {**asdict(hold), "time_zone": zone, "local_times": local}
    )


_HOLD_TIMES = ("created_at", "lifted_at")


def _ref_problem(ref: str, name: str) -> FieldProblem | None:
    if not ref.strip() or len(ref) > DEBTOR_REF_MAX or "\x00" in ref:
        return FieldProblem(
            name, f"must be 1 to {DEBTOR_REF_MAX} characters", code="length",
            params={"max": DEBTOR_REF_MAX},
        )  # fmt: skip
    return None


def _every_problem(error: ValidationError, raw: bytes, ref: list[FieldProblem]) -> Problem:
    """The model's problems, and the record's own checks of the fields it did not refuse
    (an unknown time zone is named beside a malformed country), all at once."""
    refused = refusal(error)
    if refused.status == 400:
        return refused
    found = field_problems(error)
    data = json.loads(raw)
    if isinstance(data, dict):
        given = {k: v for k, v in data.items() if k in _RECORD_FIELDS}
        stated = {k: v for k, v in data.items() if k in PREFERENCE_FIELDS}
        try:
            checked_debtor(**given, preferences=stated)
        except InvalidRequest as exc:
            named = [p.field for p in found]
            found += [p for p in exc.problems if not any(within(p.field, n) for n in named)]
        except (TypeError, ValueError, AttributeError):  # of a type the model named already
            pass
    return Problem.invalid([*ref, *found])


def _hold_target(body: hold_bodies.HoldLiftRequest) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    destination = _destination(body.destination, problems)
    if problems:
        raise Problem.invalid(problems)
    if body.debtor_ref is None and destination is None:
        missing = FieldProblem(
            "debtor_ref", "a hold needs a debtor_ref, a destination or both",
            code="hold.target.missing",
        )  # fmt: skip
        raise Problem.invalid([missing])
    channel = None if body.channel is None else str(body.channel)
    return {"kind": body.kind, "debtor_ref": body.debtor_ref, "destination": destination,
            "channel": channel}  # fmt: skip


def _destination(raw: str | None, problems: list[FieldProblem]) -> str | None:
    """The number in E.164, or None with its problem (``phone.*``) added to ``problems``."""
    if raw is None:
        return None
    try:
        return e164(raw)
    except InvalidRequest as exc:
        problems += exc.problems
        return None
