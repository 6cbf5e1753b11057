"""The project's fake Twilio, with faults switched at run time and a record per message of ours.

``FaultyTwilio`` is a ``FakeTwilio`` (same routes, same wire format, same signed status
callbacks) whose creates (texts and calls) can be made to fail as a provider does:

    refuse             answer ``status`` (429, 503, 500) before creating anything
    hold_before        hold the request ``hold_s`` (past the client's timeout), create nothing
    create_then_error  create, then answer ``status`` (500, 502, 504)
    create_then_hold   create, then hold the answer ``hold_s`` (past the client's timeout)
    create_then_drop   create, then drop the connection without an answer

A plan is a list of rules; a create meets the first rule that applies to it: a rule
applies to a ``rate`` of the creates (of one ``channel`` or both), at most ``limit``
times in all and ``per_message`` times per message of ours. Its clock can be
set off ours (``date_created``), and callbacks turned off, delayed or replayed.

Every create request is recorded with the message id of ours it carried (in the
``StatusCallback`` URL: ``.../webhooks/twilio/status/{id}`` or ``.../voice/{id}/...``),
the fault it met, and the sid of what it created, if anything. The control routes
(``/_faults/...``, JSON) are served on the same port as the API.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fake_twilio_calls import validate_call_create
from tests.fakes.twilio_wire import API_VERSION, DEFAULT_CODES, error_response, validate_create

__all__ = ["FAULT_KINDS", "CreateRecord", "FaultPlan", "FaultyTwilio", "our_message_id"]

FAULT_KINDS = frozenset(
    {"none", "refuse", "hold_before", "create_then_error", "create_then_hold", "create_then_drop"}
)
_OUR_ID = re.compile(r"/webhooks/twilio/(?:status|voice)/([0-9A-Z]{26})(?:/|$)")


def our_message_id(status_callback: str | None) -> str | None:
    """Our message id, from the StatusCallback URL the dispatcher gave for it."""
    found = _OUR_ID.search(status_callback or "")
    return found.group(1) if found else None


@dataclass(frozen=True)
class FaultPlan:
    kind: str = "none"
    status: int = 500
    rate: float = 1.0
    limit: int | None = None  # requests affected, in all
    per_message: int | None = None  # requests affected, per message of ours
    channel: str | None = None  # "sms", "voice", or None for both
    hold_s: float = 12.0

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultPlan:
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown plan fields: {', '.join(sorted(unknown))}")
        plan = cls(**raw)
        if plan.kind not in FAULT_KINDS:
            raise ValueError(f"kind: {plan.kind!r} is not one of {sorted(FAULT_KINDS)}")
        return plan


@dataclass(frozen=True)
class CreateRecord:
    """One create request: whose it was, what fault it met, what it created."""

    our_id: str | None
    channel: str  # "sms" or "voice"
    at: float  # time.time() on arrival
    fault: str  # "none", or the plan's kind (and status)
    sid: str | None  # the message or call created, if any
    to: str


class FaultyTwilio(FakeTwilio):
    def __init__(self, account_sid: str, auth_token: str, *, port: int = 0) -> None:
        super().__init__(account_sid, auth_token, auto_callbacks=True)
        self.rules: list[FaultPlan] = []
        self.creates: list[CreateRecord] = []
        self.lookups = 0
        self.clock_offset = timedelta()
        self.now = lambda: datetime.now(UTC) + self.clock_offset
        self._listen_port = port
        self._affected_total: list[int] = []
        self._affected: dict[tuple[int, str | None], int] = {}
        self._random = random.Random(20261201)

    async def start(self) -> None:
        """FakeTwilio's routes, the Calls list, and the control routes, on one port."""
        app = web.Application()
        account = f"/{API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(f"{account}/Messages.json", self._create_message)
        app.router.add_get(f"{account}/Messages.json", self._list_messages)
        app.router.add_get(f"{account}/Messages/{{message_sid}}.json", self._fetch_message)
        app.router.add_post(f"{account}/Calls.json", self._create_call)
        app.router.add_get(f"{account}/Calls.json", self._list_calls)
        app.router.add_get(f"{account}/Calls/{{call_sid}}.json", self._fetch_call)
        app.router.add_post("/_faults/plan", self._set_plan)
        app.router.add_post("/_faults/clock", self._set_clock)
        app.router.add_post("/_faults/callbacks", self._set_callbacks)
        app.router.add_post("/_faults/replay", self._replay)
        app.router.add_get("/_faults/records", self._records)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._listen_port).start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    # -- faults ------------------------------------------------------------------------

    def _fault_for(self, channel: str, our_id: str | None) -> FaultPlan | None:
        """The first rule of the plan that applies to this request, if any."""
        for index, rule in enumerate(self.rules):
            if rule.kind == "none" or rule.channel not in (None, channel):
                continue
            if rule.limit is not None and self._affected_total[index] >= rule.limit:
                continue
            affected = self._affected.setdefault((index, our_id), 0)
            if rule.per_message is not None and affected >= rule.per_message:
                continue
            if self._random.random() >= rule.rate:
                continue
            self._affected_total[index] += 1
            self._affected[(index, our_id)] = affected + 1
            return rule
        return None

    def _note(
        self, channel: str, form: dict[str, str], fault: FaultPlan | None, sid: str | None
    ) -> None:
        label = "none"
        if fault is not None:
            label = fault.kind
            if fault.kind in ("refuse", "create_then_error"):
                label += f":{fault.status}"
        our_id = our_message_id(form.get("StatusCallback"))
        to = form.get("To", "")
        self.creates.append(CreateRecord(our_id, channel, time.time(), label, sid, to))

    async def _refused(
        self, request: web.Request, channel: str, form: dict[str, str], fault: FaultPlan | None
    ) -> web.Response | None:
        """The answer when nothing is created (a refusing fault, bad auth or input), noted
        on arrival: a request held is on record while it is held."""
        if fault is not None and fault.kind in ("refuse", "hold_before"):
            self._note(channel, form, fault, None)
            if fault.kind == "hold_before":
                await asyncio.sleep(fault.hold_s)
                return error_response(504, None, "Gateway Timeout")
            return error_response(fault.status, DEFAULT_CODES.get(fault.status))
        validate = validate_create if channel == "sms" else validate_call_create
        refused = self._authenticate(request, request.match_info["account_sid"]) or validate(form)
        if refused is not None:
            self._note(channel, form, None, None)
        return refused

    async def _after_create(
        self, request: web.Request, fault: FaultPlan | None, body: dict[str, Any]
    ) -> web.StreamResponse:
        """The answer once created: normal, or the fault's error, hold or drop."""
        kind = fault.kind if fault is not None else "none"
        if kind == "create_then_error":
            assert fault is not None
            return error_response(fault.status, DEFAULT_CODES.get(fault.status))
        if kind == "create_then_drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("dropped on purpose")
        if kind == "create_then_hold":
            assert fault is not None
            await asyncio.sleep(fault.hold_s)
        response = web.json_response(body, status=201)
        await response.prepare(request)
        await response.write_eof()
        return response

    # -- creates -----------------------------------------------------------------------

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        self._record(request, account_sid, form)
        fault = self._fault_for("sms", our_message_id(form.get("StatusCallback")))
        refused = await self._refused(request, "sms", form, fault)
        if refused is not None:
            return refused
        message = self._new_message(account_sid, form)
        self._note("sms", form, fault, message.sid)
        if self.auto_callbacks and message.status_callback:
            self._spawn(self._auto_callbacks(message.sid))
        return await self._after_create(request, fault, message.resource())

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        posted = await request.post()
        form = {key: str(value) for key, value in posted.items()}
        self._record(request, account_sid, form)
        fault = self._fault_for("voice", our_message_id(form.get("StatusCallback")))
        refused = await self._refused(request, "voice", form, fault)
        if refused is not None:
            return refused
        events = {str(v).lower() for v in posted.getall("StatusCallbackEvent", [])}
        call = self._new_call(
            account_sid, to=form["To"], from_=form["From"], url=form.get("Url") or None,
            twiml=form.get("Twiml") or None, status_callback=form.get("StatusCallback") or None,
            events=events, machine_detection=form.get("MachineDetection") or None,
        )  # fmt: skip
        self._note("voice", form, fault, call.sid)
        if self.auto_callbacks:
            self._spawn(self._play_call(call))
        return await self._after_create(request, fault, call.resource())

    # -- lookups -----------------------------------------------------------------------

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        self.lookups += 1
        return await super()._list_messages(request)

    async def _list_calls(self, request: web.Request) -> web.StreamResponse:
        """The account's API-placed calls, newest first, filtered by To like Twilio's list."""
        self.lookups += 1
        account_sid = request.match_info["account_sid"]
        failure = self._authenticate(request, account_sid)
        if failure is not None:
            return failure
        to = request.query.get("To")
        size = int(request.query.get("PageSize", "50"))
        found = [c for c in self.calls.values() if c.parent_sid is None and to in (None, c.to)]
        found.sort(key=lambda c: c.date_created, reverse=True)
        uri = request.path_qs
        return web.json_response(
            {
                "calls": [c.resource() for c in found[:size]], "uri": uri, "first_page_uri": uri,
                "next_page_uri": None, "previous_page_uri": None, "page": 0, "page_size": size,
                "start": 0, "end": max(0, len(found[:size]) - 1),
            }
        )  # fmt: skip

    async def _fetch_call(self, request: web.Request) -> web.StreamResponse:
        failure = self._authenticate(request, request.match_info["account_sid"])
        if failure is not None:
            return failure
        call = self.calls.get(request.match_info["call_sid"])
        if call is None:
            return error_response(404, 20404)
        return web.json_response(call.resource())

    # -- control -----------------------------------------------------------------------

    async def _set_plan(self, request: web.Request) -> web.Response:
        """``{"rules": [plan, ...]}``: each create meets the first rule that applies."""
        try:
            rules = [FaultPlan.from_json(raw) for raw in (await request.json())["rules"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text=f"rules: {exc}") from None
        self.rules, self._affected_total, self._affected = rules, [0] * len(rules), {}
        return web.json_response({"rules": [asdict(rule) for rule in rules]})

    async def _set_clock(self, request: web.Request) -> web.Response:
        self.clock_offset = timedelta(seconds=float((await request.json())["offset_s"]))
        return web.json_response({"offset_s": self.clock_offset.total_seconds()})

    async def _set_callbacks(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.auto_callbacks = bool(body["enabled"])
        self.callback_delay_s = float(body.get("delay_s", 0.0))
        return web.json_response({"enabled": self.auto_callbacks, "delay_s": self.callback_delay_s})

    async def _replay(self, request: web.Request) -> web.Response:
        """Send each created text's callbacks again: ``statuses`` in order, or shuffled."""
        body = await request.json()
        statuses: list[str] = list(body["statuses"])
        shuffle = bool(body.get("shuffle", False))
        answers: dict[str, int] = {}
        gate = asyncio.Semaphore(16)

        async def replay(sid: str) -> None:
            order = self._random.sample(statuses, len(statuses)) if shuffle else statuses
            async with gate:
                for status in order:
                    try:
                        code = str(await self.send_status_callback(sid, status))
                    except (aiohttp.ClientError, TimeoutError):
                        code = "no answer"
                    answers[code] = answers.get(code, 0) + 1

        sids = [m.sid for m in self.messages.values() if m.status_callback]
        await asyncio.gather(*(replay(sid) for sid in sids))
        return web.json_response({"messages": len(sids), "answers": answers})

    async def _records(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0)
        return web.json_response(
            {
                "creates": [asdict(c) for c in self.creates],
                "lookups": self.lookups,
                "messages": {
                    sid: {"to": m.to, "status": m.status, "body": m.body}
                    for sid, m in self.messages.items()
                },
                "calls": {
                    sid: {"to": c.to, "status": c.status, "parent": c.parent_sid}
                    for sid, c in self.calls.items()
                },
            }
        )
