"""What both sides of the fake Twilio share: the request log, scripted answers, auth, callbacks.

``FakeTwilioCore`` is the base of ``FakeCalls`` (``fake_twilio_calls.py``), itself the base
of ``FakeTwilio`` (``fake_twilio.py``), so imports run one way: fake_twilio →
fake_twilio_calls → twilio_common → twilio_wire.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_wire import (
    API_VERSION,
    DEFAULT_CODES,
    SIGNATURE_HEADER,
    basic_credentials,
    error_response,
)

__all__ = ["API_VERSION", "CallbackAttempt", "FakeTwilioCore", "RecordedRequest"]


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
    after_create: bool = False


@dataclass
class _State:
    script: deque[_Scripted] = field(default_factory=deque)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class FakeTwilioCore:
    """One account's credentials and clock, what was received and called back, the script.

    The server (``FakeTwilio.start``) sets ``_port`` and ``_session`` once it listens.
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
        self.callbacks: list[CallbackAttempt] = []
        # Twilio's clock, for date_created (a test may make it the dispatcher's clock).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._state = _State()
        self._session: aiohttp.ClientSession | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        """What to give the SDK (``api_base_url``): ``http://127.0.0.1:<port>``."""
        if not self._port:
            raise RuntimeError("FakeTwilio is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- scripting ---------------------------------------------------------------------

    def respond_next(
        self,
        status: int = 201,
        *,
        code: int | None = None,
        message: str | None = None,
        delay_s: float = 0.0,
        after_create: bool = False,
    ) -> None:
        """Queue the answer to the next create, before normal behaviour resumes.

        A non-2xx ``status`` answers with a Twilio error (``code`` defaults by status:
        401→20003, 429→20429, 500→20500, ...; other statuses carry no code unless given).
        A 2xx ``status`` only adds ``delay_s``; the create then proceeds normally.
        Scripted answers are used in the order queued, one per request.
        ``after_create``: the message is created first (it will be sent), then the delay
        and the answer — a timeout or a 5xx after Twilio took it.
        """
        self._state.script.append(_Scripted(status, code, message, delay_s, after_create))

    def _next_is_after_create(self) -> bool:
        return bool(self._state.script) and self._state.script[0].after_create

    async def _scripted_failure(self) -> web.Response | None:
        """Use the next scripted answer, if any: its delay, then its error (None for 2xx)."""
        if not self._state.script:
            return None
        scripted = self._state.script.popleft()
        await asyncio.sleep(scripted.delay_s)
        if 200 <= scripted.status < 300:
            return None
        code = scripted.code or DEFAULT_CODES.get(scripted.status)
        return error_response(scripted.status, code, scripted.message)

    # -- requests ----------------------------------------------------------------------

    def _record(self, request: web.Request, account_sid: str, form: dict[str, str]) -> None:
        self.requests.append(
            RecordedRequest(request.method, request.path, account_sid, form, dict(request.headers))
        )

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

    # -- callbacks ---------------------------------------------------------------------

    async def wait_for_callbacks(self) -> None:
        """Return once every automatic callback in flight has been sent (or failed)."""
        while self._state.tasks:
            await asyncio.gather(*self._state.tasks, return_exceptions=True)

    def _sign(self, url: str, params: dict[str, str]) -> str:
        """Twilio's ``X-Twilio-Signature`` for a POST of ``params`` to ``url``."""
        signature: str = RequestValidator(self.auth_token).compute_signature(url, params)
        return signature

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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._state.tasks.add(task)
        task.add_done_callback(self._state.tasks.discard)
