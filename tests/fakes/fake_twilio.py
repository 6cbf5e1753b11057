"""A fake Twilio Messages API: a real aiohttp app on 127.0.0.1, port 0.

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
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
        self._state = _State()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages"
        app.router.add_post(f"{prefix}.json", self._create_message)
        app.router.add_get(f"{prefix}/{{message_sid}}.json", self._fetch_message)
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
            date_created=datetime.now(UTC).replace(microsecond=0),
        )
        self.messages[message.sid] = message
        return message
