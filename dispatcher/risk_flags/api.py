"""The risk flags' endpoints (see the package's docstring for who may do what).

Setting a flag that is set already, or reviewing one reviewed since it was set, writes
nothing and answers 200 (201 when it wrote). Clearing or reviewing a flag that is not
set is 409. Every answer shows the debtor's flags as they now stand; reading them is
logged in the access log, as every read of a debtor's record is.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from compliance.packs import RISK_FLAGS
from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.api.views import debtor_zone, on_debtors_clock
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.risk_flags import bodies
from dispatcher.risk_flags.read import (
    RiskFlagEventRow,
    RiskFlagState,
    flag_events,
    flag_states,
)
from dispatcher.risk_flags.store import FlagNotSet, clear_flag, review_flag, set_flag

__all__ = ["add_risk_flag_routes", "clear", "get_flags", "put_flag", "review"]

DEBTOR_REF_MAX = 100
BASE = "/v1/debtors/{debtor_ref}/risk-flags"


def add_risk_flag_routes(app: web.Application) -> None:
    app.router.add_get(BASE, get_flags)
    app.router.add_put(BASE + "/{flag}", put_flag)
    app.router.add_post(BASE + "/{flag}/clear", clear)
    app.router.add_post(BASE + "/{flag}/review", review)


@allow(Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN)
async def get_flags(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref = _debtor_ref(request)
    async with api.deps.log.engine.connect() as conn:
        events = await flag_events(conn, debtor_ref)
    await api.audit.record_read(
        reader=key.label, action="risk_flags.read", debtor_ref=debtor_ref, rows=len(events),
        filters={"debtor_ref": debtor_ref},
    )  # fmt: skip
    zone = await _zone(api, debtor_ref)
    flags = bodies.RiskFlags(
        debtor_ref=debtor_ref,
        time_zone=zone,
        flags=[_shown(s, zone) for s in flag_states(events)],
        history=[_event_shown(e, zone) for e in events],
    )
    return shown(flags)


@allow(Role.COLLECTOR, Role.COMPLIANCE)
async def put_flag(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref, flag, reason = await _change(request)
    created, state = await set_flag(
        api.deps.log.engine, debtor_ref, flag, reason=reason, actor=key.label, role=key.role,
        at=api.deps.clock.now(),
    )  # fmt: skip
    return await _answer(api, debtor_ref, created, state, wrote=created)


@allow(Role.COMPLIANCE)
async def clear(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref, flag, reason = await _change(request)
    try:
        await clear_flag(
            api.deps.log.engine, debtor_ref, flag, reason=reason, actor=key.label,
            role=key.role, at=api.deps.clock.now(),
        )  # fmt: skip
    except FlagNotSet as exc:
        raise _not_set(exc) from None
    return await _answer(api, debtor_ref, True, None, wrote=True)


@allow(Role.COMPLIANCE, Role.ADMIN)
async def review(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    debtor_ref, flag, reason = await _change(request)
    try:
        reviewed, state = await review_flag(
            api.deps.log.engine, debtor_ref, flag, reason=reason, actor=key.label,
            role=key.role, at=api.deps.clock.now(),
        )  # fmt: skip
    except FlagNotSet as exc:
        raise _not_set(exc) from None
    return await _answer(api, debtor_ref, reviewed, state, wrote=reviewed)


async def _change(request: web.Request) -> tuple[str, str, str]:
    """The debtor, the flag and the reason a change names; 404 for an unknown flag."""
    debtor_ref = _debtor_ref(request)
    flag = request.match_info["flag"]
    if flag not in RISK_FLAGS:
        known = ", ".join(RISK_FLAGS)
        raise Problem(
            404, f"no risk flag {flag[:40]!r}; known: {known}",
            code="unknown_risk_flag", params={"flag": flag[:40], "known": known},
        )  # fmt: skip
    change = await read_body(request, bodies.RiskFlagChange)
    return debtor_ref, flag, change.reason


def _debtor_ref(request: web.Request) -> str:
    debtor_ref = request.match_info["debtor_ref"]
    if not debtor_ref.strip() or len(debtor_ref) > DEBTOR_REF_MAX or "\x00" in debtor_ref:
        raise Problem.field(
            "debtor_ref", f"must be 1 to {DEBTOR_REF_MAX} characters", code="length",
            params={"max": DEBTOR_REF_MAX},
        )  # fmt: skip
    return debtor_ref


def _not_set(exc: FlagNotSet) -> Problem:
    return Problem(
        409, str(exc), code="risk_flag_not_set",
        params={"flag": exc.flag, "debtor_ref": exc.debtor_ref},
    )  # fmt: skip


async def _answer(
    api: Api, debtor_ref: str, changed: bool, flag: RiskFlagState | None, *, wrote: bool
) -> web.Response:
    async with api.deps.log.engine.connect() as conn:
        states = flag_states(await flag_events(conn, debtor_ref))
    zone = await _zone(api, debtor_ref)
    answer = bodies.RiskFlagChanged(
        debtor_ref=debtor_ref, time_zone=zone, changed=changed,
        flag=None if flag is None else _shown(flag, zone),
        flags=[_shown(s, zone) for s in states],
    )  # fmt: skip
    return shown(answer, status=201 if wrote else 200)


async def _zone(api: Api, debtor_ref: str) -> str | None:
    return debtor_zone((await api.audit.debtor_zones({debtor_ref})).get(debtor_ref), None)


def _shown(state: RiskFlagState, zone: str | None) -> bodies.RiskFlag:
    values = asdict(state)
    local = None if zone is None else on_debtors_clock(values, ("set_at", "reviewed_at"), zone)
    return bodies.RiskFlag.model_validate({**values, "local_times": local})


def _event_shown(event: RiskFlagEventRow, zone: str | None) -> bodies.RiskFlagEvent:
    values = asdict(event)
    del values["debtor_ref"]  # the answer names the debtor once
    local = None if zone is None else on_debtors_clock(values, ("at",), zone)
    return bodies.RiskFlagEvent.model_validate({**values, "local_times": local})
