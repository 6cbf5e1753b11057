"""A fake Twilio (Messages and Calls APIs): a real aiohttp app on 127.0.0.1, port 0.

It answers the real twilio SDK the way Twilio does, records what it received, can be
scripted to fail, and sends signed status callbacks::

    async with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, auto_callbacks=True) as fake:
        channel = TwilioSmsChannel(ACCOUNT_SID, AUTH_TOKEN, from_number=...,
                                   api_base_url=fake.base_url)
        fake.respond_next(status=500)            # the next create fails like Twilio
        fake.respond_next(status=400, code=21211)
        ...
        fake.requests[-1].form["StatusCallback"]
        await fake.send_status_callback(sid, "delivered")   # replay, reorder, forge

Routes (``{sid}`` is the account SID):

    POST /2010-04-01/Accounts/{sid}/Messages.json        create (HTTP Basic auth)
    GET  /2010-04-01/Accounts/{sid}/Messages/{SM}.json   fetch
    POST /2010-04-01/Accounts/{sid}/Calls.json           place a call (HTTP Basic auth)

Calls: with ``auto_callbacks=True`` each created call is then played out in the
background following ``call_plan[number]`` ("answer" by default, "machine", "busy",
"no-answer", "fail") for every number rung: signed status callbacks for each leg in
Twilio's order, TwiML fetched (signed, with ``AnsweredBy``) from ``Url`` or a
``<Number url>``, ``<Say>`` texts kept in ``calls[sid].said``, a bridge's ``<Dial>``
followed (its action and recording callbacks included)::

    fake.call_plan["+12015550123"] = "busy"
    ...
    fake.calls[sid].said            # what was said on that leg
    fake.children(sid)              # the legs a bridge dialled
"""

from __future__ import annotations

import asyncio
import re
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_wire import (
    API_VERSION,
    DEFAULT_CODES,
    FAILED_STATUSES,
    SIGNATURE_HEADER,
    FakeMessage,
    basic_credentials,
    error_response,
    validate_create,
)

__all__ = [
    "API_VERSION",
    "CallbackAttempt",
    "FakeCall",
    "FakeMessage",
    "FakeTwilio",
    "RecordedRequest",
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, before it decided how to answer."""

    method: str
    path: str
    account_sid: str
    form: dict[str, str]  # POSTed fields, as sent: "To", "From", "Body", "StatusCallback", ...
    headers: dict[str, str]


@dataclass(frozen=True)
class CallbackAttempt:
    """One status callback the fake POSTed (or tried to)."""

    url: str
    params: dict[str, str]
    signature: str | None
    response_status: int | None  # None when the POST got no HTTP answer
    error: str | None = None


@dataclass(frozen=True)
class _Scripted:
    status: int
    code: int | None
    message: str | None
    delay_s: float


@dataclass
class FakeCall:
    """One leg the fake placed: from ``Calls.json``, or dialled by a bridge's ``<Dial>``."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    events: frozenset[str]  # initiated, ringing, answered, completed (always sent)
    machine_detection: str | None
    date_created: datetime
    parent_sid: str | None = None
    status: str = "queued"
    answered_by: str | None = None
    duration_s: int | None = None
    said: list[str] = field(default_factory=list)
    sequence: int = 0

    @property
    def direction(self) -> str:
        return "outbound-dial" if self.parent_sid else "outbound-api"

    def resource(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"
        date = format_datetime(self.date_created)
        return {
            "account_sid": self.account_sid, "annotation": None, "answered_by": None,
            "api_version": API_VERSION, "caller_name": None, "date_created": date,
            "date_updated": date, "direction": self.direction, "duration": None,
            "end_time": None, "forwarded_from": None, "from": self.from_,
            "from_formatted": self.from_, "group_sid": None, "parent_call_sid": self.parent_sid,
            "phone_number_sid": None, "price": None, "price_unit": "USD", "queue_time": "0",
            "sid": self.sid, "start_time": None, "status": self.status,
            "subresource_uris": {"recordings": f"{uri}/Recordings.json"},
            "to": self.to, "to_formatted": self.to, "trunk_sid": None, "uri": f"{uri}.json",
        }  # fmt: skip


_CALL_ADDRESS = re.compile(r"^(\+[1-9]\d{1,14}|sip:.+@.+)$")
# Twilio's status word for a call's end, by plan; "answer" and "machine" complete.
_UNANSWERED = {"busy": "busy", "no-answer": "no-answer", "fail": "failed"}
_EVENT_OF = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


def validate_call_create(form: Mapping[str, str]) -> web.Response | None:
    """Twilio's checks on a call create, in the order it reports them."""
    to, from_ = form.get("To", ""), form.get("From", "")
    if not to:
        return error_response(400, 21201, "No 'To' number is specified")
    if not from_:
        return error_response(400, 21213, "No 'From' number is specified")
    given = [name for name in ("Url", "Twiml", "ApplicationSid") if form.get(name)]
    if len(given) != 1:
        return error_response(400, 21205, "Exactly one of Url, Twiml or ApplicationSid is required")
    if not _CALL_ADDRESS.match(to):
        return error_response(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not _CALL_ADDRESS.match(from_):
        return error_response(400, 21212, f"Invalid 'From' Phone Number: {from_}")
    for name in ("Url", "StatusCallback"):
        if form.get(name) and not form[name].startswith(("http://", "https://")):
            return error_response(400, 21205 if name == "Url" else 21609, f"Invalid {name}")
    if form.get("Twiml"):
        try:
            ET.fromstring(form["Twiml"])
        except ET.ParseError:
            return error_response(400, 12100, "Document parse failure")
    return None


@dataclass
class _State:
    script: deque[_Scripted] = field(default_factory=deque)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class FakeTwilio:
    """Twilio's Messages API for one account, served on 127.0.0.1 (port chosen by the OS).

    ``auto_callbacks=True``: after each successful create with a ``StatusCallback``, POST
    signed callbacks "sent" then "delivered" to it, ``callback_delay_s`` apart. Like real
    Twilio, a callback may reach its receiver before the sender has read the 201.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        auto_callbacks: bool = False,
        callback_delay_s: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.auto_callbacks = auto_callbacks
        self.callback_delay_s = callback_delay_s
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, FakeMessage] = {}
        self.callbacks: list[CallbackAttempt] = []
        self.calls: dict[str, FakeCall] = {}
        # How each number answers when rung: "answer" (default), "machine", "busy",
        # "no-answer" or "fail". A call answered talks for ``call_duration_s``.
        self.call_plan: dict[str, str] = {}
        self.call_duration_s = 37
        # Twilio's clock, for date_created (a test may make it the dispatcher's clock).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._state = _State()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages"
        app.router.add_post(f"{prefix}.json", self._create_message)
        app.router.add_get(f"{prefix}.json", self._list_messages)
        app.router.add_get(f"{prefix}/{{message_sid}}.json", self._fetch_message)
        calls = f"/{API_VERSION}/Accounts/{{account_sid}}/Calls.json"
        app.router.add_post(calls, self._create_call)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def cleanup(self) -> None:
        """Wait for in-flight callbacks, then stop serving."""
        await self.wait_for_callbacks()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.cleanup()

    @property
    def base_url(self) -> str:
        """What to give the SDK (``api_base_url``): ``http://127.0.0.1:<port>``."""
        if not self._port:
            raise RuntimeError("FakeTwilio is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def calls_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"

    def children(self, parent_sid: str) -> list[FakeCall]:
        """The legs a bridge's ``<Dial>`` placed from call ``parent_sid``."""
        return [call for call in self.calls.values() if call.parent_sid == parent_sid]

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    # -- scripting ---------------------------------------------------------------------

    def respond_next(
        self,
        status: int = 201,
        *,
        code: int | None = None,
        message: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Queue the answer to the next create, before normal behaviour resumes.

        A non-2xx ``status`` answers with a Twilio error (``code`` defaults by status:
        401→20003, 429→20429, 500→20500, ...; other statuses carry no code unless given).
        A 2xx ``status`` only adds ``delay_s``; the create then proceeds normally.
        Scripted answers are used in the order queued, one per request.
        """
        self._state.script.append(_Scripted(status, code, message, delay_s))

    # -- callbacks ---------------------------------------------------------------------

    async def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        error_code: str | None = None,
        signed: bool = True,
        signature: str | None = None,
    ) -> int:
        """POST one status callback for message ``sid``; return the receiver's HTTP status.

        ``url`` defaults to the message's StatusCallback. ``signed=False`` omits the
        signature header; ``signature=...`` sends that exact (e.g. forged) value instead.
        A "failed"/"undelivered" status carries ``error_code`` (default "30008").
        """
        message = self.messages.get(sid)
        target = url or (message.status_callback if message else None)
        if not target:
            raise ValueError(f"no StatusCallback URL for message {sid!r}")
        params = self._callback_params(sid, status, message, error_code)
        if message is not None:
            message.status = status
            message.error_code = params.get("ErrorCode")
        if signature is None and signed:
            signature = RequestValidator(self.auth_token).compute_signature(target, params)
        return await self._post_callback(target, params, signature)

    async def wait_for_callbacks(self) -> None:
        """Return once every automatic callback in flight has been sent (or failed)."""
        while self._state.tasks:
            await asyncio.gather(*self._state.tasks, return_exceptions=True)

    def _callback_params(
        self, sid: str, status: str, message: FakeMessage | None, error_code: str | None
    ) -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
        }
        if message is not None:
            params["To"] = message.to
            if message.from_:
                params["From"] = message.from_
            if message.messaging_service_sid:
                params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code or status in FAILED_STATUSES:
            params["ErrorCode"] = error_code or "30008"
        return params

    async def _post_callback(self, url: str, params: dict[str, str], signature: str | None) -> int:
        if self._session is None:
            raise RuntimeError("FakeTwilio is not started")
        headers = {"User-Agent": "TwilioProxy/1.1"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        try:
            async with self._session.post(url, data=params, headers=headers) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.callbacks.append(CallbackAttempt(url, params, signature, None, repr(exc)))
            raise
        self.callbacks.append(CallbackAttempt(url, params, signature, response.status))
        return response.status

    async def _auto_callbacks(self, sid: str) -> None:
        for status in ("sent", "delivered"):
            await asyncio.sleep(self.callback_delay_s)
            try:
                await self.send_status_callback(sid, status)
            except (aiohttp.ClientError, TimeoutError):
                return  # recorded in self.callbacks; Twilio gives up too

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._state.tasks.add(task)
        task.add_done_callback(self._state.tasks.discard)

    # -- HTTP handlers -----------------------------------------------------------------

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.requests.append(
            RecordedRequest(request.method, request.path, account_sid, form, dict(request.headers))
        )
        if self._state.script:
            scripted = self._state.script.popleft()
            await asyncio.sleep(scripted.delay_s)
            if not 200 <= scripted.status < 300:
                code = scripted.code or DEFAULT_CODES.get(scripted.status)
                return error_response(scripted.status, code, scripted.message)
        failure = self._authenticate(request, account_sid)
        if failure is None:
            failure = validate_create(form)
        if failure is not None:
            return failure
        message = self._new_message(account_sid, form)
        response = web.json_response(message.resource(), status=201)
        await response.prepare(request)
        await response.write_eof()
        if self.auto_callbacks and message.status_callback:
            self._spawn(self._auto_callbacks(message.sid))
        return response

    async def _fetch_message(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                request.match_info["account_sid"],
                {},
                dict(request.headers),
            )
        )
        failure = self._authenticate(request, request.match_info["account_sid"])
        if failure is not None:
            return failure
        message = self.messages.get(request.match_info["message_sid"])
        if message is None:
            return error_response(404, 20404)
        return web.json_response(message.resource())

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        """The account's messages, newest first, filtered by To like Twilio's list."""
        account_sid = request.match_info["account_sid"]
        self.requests.append(
            RecordedRequest(request.method, request.path, account_sid, dict(request.query),
                            dict(request.headers))
        )  # fmt: skip
        failure = self._authenticate(request, account_sid)
        if failure is not None:
            return failure
        to = request.query.get("To")
        size = int(request.query.get("PageSize", "50"))
        found = [m for m in self.messages.values() if to is None or m.to == to]
        found.sort(key=lambda m: m.date_created, reverse=True)
        uri = request.path_qs
        return web.json_response(
            {
                "messages": [m.resource() for m in found[:size]], "uri": uri,
                "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
                "page": 0, "page_size": size, "start": 0, "end": max(0, len(found[:size]) - 1),
            }
        )  # fmt: skip

    def _authenticate(self, request: web.Request, account_sid: str) -> web.Response | None:
        if basic_credentials(request.headers.get("Authorization", "")) != (
            self.account_sid,
            self.auth_token,
        ):
            response = error_response(401, 20003)
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if account_sid != self.account_sid:
            return error_response(404, 20404)
        return None

    def _new_message(self, account_sid: str, form: Mapping[str, str]) -> FakeMessage:
        service = form.get("MessagingServiceSid") or None
        from_ = form.get("From") or None
        message = FakeMessage(
            sid="SM" + secrets.token_hex(16),
            account_sid=account_sid,
            to=form["To"],
            from_=from_,
            messaging_service_sid=service,
            body=form.get("Body", ""),
            status="accepted" if service and not from_ else "queued",
            status_callback=form.get("StatusCallback") or None,
            date_created=self.now().replace(microsecond=0),
        )
        self.messages[message.sid] = message
        return message

    # -- calls -------------------------------------------------------------------------

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        posted = await request.post()
        form = {key: str(value) for key, value in posted.items()}
        self.requests.append(
            RecordedRequest(request.method, request.path, account_sid, form, dict(request.headers))
        )
        if self._state.script:
            scripted = self._state.script.popleft()
            await asyncio.sleep(scripted.delay_s)
            if not 200 <= scripted.status < 300:
                code = scripted.code or DEFAULT_CODES.get(scripted.status)
                return error_response(scripted.status, code, scripted.message)
        failure = self._authenticate(request, account_sid) or validate_call_create(form)
        if failure is not None:
            return failure
        events = {str(v).lower() for v in posted.getall("StatusCallbackEvent", [])}
        call = self._new_call(
            account_sid, to=form["To"], from_=form["From"], url=form.get("Url") or None,
            twiml=form.get("Twiml") or None, status_callback=form.get("StatusCallback") or None,
            events=events, machine_detection=form.get("MachineDetection") or None,
        )  # fmt: skip
        response = web.json_response(call.resource(), status=201)
        await response.prepare(request)
        await response.write_eof()
        if self.auto_callbacks:
            self._spawn(self._play_call(call))
        return response

    def _new_call(
        self, account_sid: str, *, events: set[str], parent_sid: str | None = None, **fields: Any
    ) -> FakeCall:
        call = FakeCall(
            sid="CA" + secrets.token_hex(16),
            account_sid=account_sid,
            events=frozenset(events | {"completed"}),
            date_created=self.now().replace(microsecond=0),
            parent_sid=parent_sid,
            **fields,
        )
        self.calls[call.sid] = call
        return call

    async def _play_call(self, call: FakeCall) -> None:
        """An API-placed call, from ringing to hang-up, as ``call_plan`` says."""
        try:
            answered = await self._ring(call, "machine_end_beep")
            if not answered:
                return
            xml = call.twiml
            if xml is None and call.url:
                xml = await self._fetch_twiml(call.url, self._call_params(call, "in-progress"))
            talk_s = await self._run_twiml(call, xml or "<Response/>")
            await self._call_status(call, "completed", duration_s=talk_s + 5)
        except (aiohttp.ClientError, TimeoutError, ET.ParseError):
            return  # recorded in self.callbacks; Twilio gives up too

    async def _ring(self, call: FakeCall, machine_answer: str) -> bool:
        """initiated, ringing, then answered (True) or the plan's unanswered end (False)."""
        await asyncio.sleep(self.callback_delay_s)
        await self._call_status(call, "initiated")
        await self._call_status(call, "ringing")
        plan = self.call_plan.get(call.to, "answer")
        if plan in _UNANSWERED:
            await self._call_status(call, _UNANSWERED[plan], duration_s=0)
            return False
        if call.machine_detection:
            call.answered_by = machine_answer if plan == "machine" else "human"
        await self._call_status(call, "in-progress")
        return True

    async def _run_twiml(self, call: FakeCall, xml: str) -> int:
        """Play TwiML on ``call``: keep what is said, follow a <Dial>; the seconds talked."""
        talked = 0
        for verb in ET.fromstring(xml):
            if verb.tag == "Say":
                call.said.append(verb.text or "")
            elif verb.tag == "Dial":
                talked += await self._dial(call, verb)
            elif verb.tag == "Hangup":
                break
        return talked

    async def _dial(self, parent: FakeCall, dial: ET.Element) -> int:
        number = dial.find("Number")
        if number is None or not number.text:
            return 0
        events = set((number.get("statusCallbackEvent") or "").split())
        child = self._new_call(
            parent.account_sid, to=number.text.strip(), from_=dial.get("callerId") or parent.from_,
            url=number.get("url"), twiml=None, status_callback=number.get("statusCallback"),
            events=events, machine_detection=number.get("machineDetection"),
            parent_sid=parent.sid,
        )  # fmt: skip
        bridged, talk_s = False, 0
        if await self._ring(child, "machine_start"):
            bridged = True
            if child.url:
                xml = await self._fetch_twiml(child.url, self._call_params(child, "in-progress"))
                bridged = "Hangup" not in {verb.tag for verb in ET.fromstring(xml)}
                await self._run_twiml(child, xml)
            talk_s = self.call_duration_s if bridged else 3
            await self._call_status(child, "completed", duration_s=talk_s)
        recording_sid = "RE" + secrets.token_hex(16)
        action = dial.get("action")
        if action:
            params = self._call_params(parent, "in-progress") | {
                "DialCallSid": child.sid,
                "DialCallStatus": child.status,
                "DialCallDuration": str(child.duration_s or 0),
                "DialBridged": "true" if bridged else "false",
            }
            if bridged and dial.get("record"):
                params["RecordingSid"] = recording_sid
                params["RecordingUrl"] = self._recording_url(recording_sid)
            await self._run_twiml(parent, await self._fetch_twiml(action, params))
        callback = dial.get("recordingStatusCallback")
        if bridged and dial.get("record") and callback:
            self._spawn(self._recording_ready(parent, recording_sid, talk_s, callback))
        return talk_s

    async def _recording_ready(
        self, parent: FakeCall, recording_sid: str, duration_s: int, url: str
    ) -> None:
        """After the call, once the recording is processed: its status callback."""
        await asyncio.sleep(self.callback_delay_s)
        params = {
            "AccountSid": parent.account_sid, "CallSid": parent.sid,
            "RecordingSid": recording_sid, "RecordingUrl": self._recording_url(recording_sid),
            "RecordingStatus": "completed", "RecordingDuration": str(duration_s),
            "RecordingChannels": "2", "RecordingSource": "DialVerb",
            "RecordingStartTime": format_datetime(datetime.now(UTC)),
        }  # fmt: skip
        try:
            await self._signed_post(url, params)
        except (aiohttp.ClientError, TimeoutError):
            return

    def _recording_url(self, recording_sid: str) -> str:
        return (
            f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording_sid}"
        )

    async def _call_status(
        self, call: FakeCall, status: str, duration_s: int | None = None
    ) -> None:
        call.status = status
        if duration_s is not None:
            call.duration_s = duration_s
        event = _EVENT_OF.get(status, "completed")
        if not call.status_callback or event not in call.events:
            return
        await asyncio.sleep(self.callback_delay_s)
        await self._signed_post(call.status_callback, self._call_params(call, status))

    def _call_params(self, call: FakeCall, status: str) -> dict[str, str]:
        call.sequence += 1
        params = {
            "AccountSid": call.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
            "CallStatus": status, "Called": call.to, "Caller": call.from_, "To": call.to,
            "From": call.from_, "Direction": call.direction,
            "CallbackSource": "call-progress-events", "SequenceNumber": str(call.sequence - 1),
            "Timestamp": format_datetime(datetime.now(UTC)),
        }  # fmt: skip
        if call.parent_sid:
            params["ParentCallSid"] = call.parent_sid
        if call.answered_by and status in {"in-progress", "completed"}:
            params["AnsweredBy"] = call.answered_by
        if status in {"completed", "busy", "no-answer", "failed", "canceled"}:
            params["CallDuration"] = str(call.duration_s or 0)
        return params

    async def _signed_post(self, url: str, params: dict[str, str]) -> int:
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return await self._post_callback(url, params, signature)

    async def _fetch_twiml(self, url: str, params: dict[str, str]) -> str:
        """POST a signed TwiML request, as Twilio does on answer; the TwiML answered."""
        if self._session is None:
            raise RuntimeError("FakeTwilio is not started")
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        headers = {"User-Agent": "TwilioProxy/1.1", SIGNATURE_HEADER: signature}
        async with self._session.post(url, data=params, headers=headers) as response:
            body = await response.text()
        self.callbacks.append(CallbackAttempt(url, params, signature, response.status))
        if response.status != 200:
            return "<Response><Hangup/></Response>"  # Twilio says "an application error"
        return body
