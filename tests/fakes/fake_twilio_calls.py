"""The fake Twilio's Calls API: placing calls and playing them out (``FakeCalls``).

``FakeTwilio`` (``fake_twilio.py``) is a ``FakeCalls``; use that, not this class.

    POST /2010-04-01/Accounts/{sid}/Calls.json           place a call (HTTP Basic auth)

With ``auto_callbacks=True`` each created call is then played out in the background
following ``call_plan[number]`` ("answer" by default, "machine", "busy", "no-answer",
"fail") for every number rung: signed status callbacks for each leg in Twilio's order,
TwiML fetched (signed, with ``AnsweredBy``) from ``Url`` or a ``<Number url>``,
``<Say>`` texts kept in ``calls[sid].said``, a bridge's ``<Dial>`` followed (its action
and recording callbacks included)::

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.twilio_common import CallbackAttempt, FakeTwilioCore
from tests.fakes.twilio_wire import API_VERSION, SIGNATURE_HEADER, error_response

__all__ = ["FakeCall", "FakeCalls", "validate_call_create"]


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


class FakeCalls(FakeTwilioCore):
    """The Calls side of ``FakeTwilio``: the calls placed, and how each number answers."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        auto_callbacks: bool = False,
        callback_delay_s: float = 0.0,
    ) -> None:
        super().__init__(
            account_sid,
            auth_token,
            auto_callbacks=auto_callbacks,
            callback_delay_s=callback_delay_s,
        )
        self.calls: dict[str, FakeCall] = {}
        # How each number answers when rung: "answer" (default), "machine", "busy",
        # "no-answer" or "fail". A call answered talks for ``call_duration_s``.
        self.call_plan: dict[str, str] = {}
        self.call_duration_s = 37

    @property
    def calls_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"

    def children(self, parent_sid: str) -> list[FakeCall]:
        """The legs a bridge's ``<Dial>`` placed from call ``parent_sid``."""
        return [call for call in self.calls.values() if call.parent_sid == parent_sid]

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        posted = await request.post()
        form = {key: str(value) for key, value in posted.items()}
        self._record(request, account_sid, form)
        after_create = self._next_is_after_create()
        scripted = None if after_create else await self._scripted_failure()
        if scripted is not None:
            return scripted
        failure = self._authenticate(request, account_sid) or validate_call_create(form)
        if failure is not None:
            return failure
        events = {str(v).lower() for v in posted.getall("StatusCallbackEvent", [])}
        call = self._new_call(
            account_sid, to=form["To"], from_=form["From"], url=form.get("Url") or None,
            twiml=form.get("Twiml") or None, status_callback=form.get("StatusCallback") or None,
            events=events, machine_detection=form.get("MachineDetection") or None,
        )  # fmt: skip
        if after_create:  # placed, then the answer is late or fails (auto callbacks: none)
            scripted = await self._scripted_failure()
            if scripted is not None:
                return scripted
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
        signature = self._sign(url, params)
        return await self._post_callback(url, params, signature)

    async def _fetch_twiml(self, url: str, params: dict[str, str]) -> str:
        """POST a signed TwiML request, as Twilio does on answer; the TwiML answered."""
        if self._session is None:
            raise RuntimeError("FakeTwilio is not started")
        signature = self._sign(url, params)
        headers = {"User-Agent": "TwilioProxy/1.1", SIGNATURE_HEADER: signature}
        async with self._session.post(url, data=params, headers=headers) as response:
            body = await response.text()
        self.callbacks.append(CallbackAttempt(url, params, signature, response.status))
        if response.status != 200:
            return "<Response><Hangup/></Response>"  # Twilio says "an application error"
        return body
