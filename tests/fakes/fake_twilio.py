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
    GET  /2010-04-01/Accounts/{sid}/Calls.json           list (by To)
    POST /2010-04-01/Accounts/{sid}/Calls.json           place a call (HTTP Basic auth)
    GET  /2010-04-01/Accounts/{sid}.json                 the account (a credentials check)

Calls (``call_plan``, ``calls``, ``children``) are played out as ``fake_twilio_calls.py``
describes; what both APIs share (request log, scripted answers, auth, callback POSTs)
is in ``twilio_common.py``.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

from tests.fakes.fake_twilio_calls import FakeCall, FakeCalls, validate_call_create
from tests.fakes.twilio_common import CallbackAttempt, RecordedRequest
from tests.fakes.twilio_wire import (
    API_VERSION,
    FAILED_STATUSES,
    FakeMessage,
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
    "validate_call_create",
]


class FakeTwilio(FakeCalls):
    """Twilio's Messages and Calls APIs for one account, on 127.0.0.1 (port chosen by the OS).

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
        super().__init__(
            account_sid,
            auth_token,
            auto_callbacks=auto_callbacks,
            callback_delay_s=callback_delay_s,
        )
        self.messages: dict[str, FakeMessage] = {}
        # Account fetches (credentials checks) are kept apart from ``requests``: the
        # server asks at start-up, whatever a test does, and takes no scripted answer.
        self.account_fetches: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages"
        app.router.add_post(f"{prefix}.json", self._create_message)
        app.router.add_get(f"{prefix}.json", self._list_messages)
        app.router.add_get(f"{prefix}/{{message_sid}}.json", self._fetch_message)
        calls = f"/{API_VERSION}/Accounts/{{account_sid}}/Calls.json"
        app.router.add_post(calls, self._create_call)
        app.router.add_get(calls, self._list_calls)
        app.router.add_get(f"/{API_VERSION}/Accounts/{{account_sid}}.json", self._fetch_account)
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
    def messages_url(self) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

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
            signature = self._sign(target, params)
        return await self._post_callback(target, params, signature)

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

    async def _auto_callbacks(self, sid: str) -> None:
        for status in ("sent", "delivered"):
            await asyncio.sleep(self.callback_delay_s)
            try:
                await self.send_status_callback(sid, status)
            except (aiohttp.ClientError, TimeoutError):
                return  # recorded in self.callbacks; Twilio gives up too

    # -- HTTP handlers -----------------------------------------------------------------

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        account_sid = request.match_info["account_sid"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        self._record(request, account_sid, form)
        after_create = self._next_is_after_create()
        scripted = None if after_create else await self._scripted_failure()
        if scripted is not None:
            return scripted
        failure = self._authenticate(request, account_sid)
        if failure is None:
            failure = validate_create(form)
        if failure is not None:
            return failure
        message = self._new_message(account_sid, form)
        if after_create:
            scripted = await self._scripted_failure()
            if scripted is not None:
                return scripted
        response = web.json_response(message.resource(), status=201)
        await response.prepare(request)
        await response.write_eof()
        if self.auto_callbacks and message.status_callback:
            self._spawn(self._auto_callbacks(message.sid))
        return response

    async def _fetch_message(self, request: web.Request) -> web.StreamResponse:
        self._record(request, request.match_info["account_sid"], {})
        failure = self._authenticate(request, request.match_info["account_sid"])
        if failure is not None:
            return failure
        message = self.messages.get(request.match_info["message_sid"])
        if message is None:
            return error_response(404, 20404)
        return web.json_response(message.resource())

    async def _fetch_account(self, request: web.Request) -> web.StreamResponse:
        """The account resource, as Twilio answers it (without its auth token)."""
        account_sid = request.match_info["account_sid"]
        self.account_fetches.append(
            RecordedRequest(request.method, request.path, account_sid, {}, dict(request.headers))
        )
        failure = self._authenticate(request, account_sid)
        if failure is not None:
            return failure
        uri = f"/{API_VERSION}/Accounts/{account_sid}"
        date = format_datetime(datetime(2024, 1, 1, tzinfo=UTC))
        return web.json_response(
            {
                "sid": account_sid, "owner_account_sid": account_sid,
                "friendly_name": "Fake Twilio account", "status": "active", "type": "Full",
                "date_created": date, "date_updated": date, "auth_token": None,
                "uri": f"{uri}.json", "subresource_uris": {"messages": f"{uri}/Messages.json"},
            }
        )  # fmt: skip

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        """The account's messages, newest first, filtered by To like Twilio's list."""
        return self._list(request, "messages", self.messages.values())

    async def _list_calls(self, request: web.Request) -> web.StreamResponse:
        """The account's calls (a bridge's legs too, with their parent), newest first,
        filtered by To like Twilio's list."""
        return self._list(request, "calls", self.calls.values())

    def _list(
        self, request: web.Request, name: str, records: Iterable[FakeMessage | FakeCall]
    ) -> web.Response:
        """One page (the only one) of Twilio's list of ``name``, as Twilio answers it."""
        account_sid = request.match_info["account_sid"]
        self._record(request, account_sid, dict(request.query))
        failure = self._authenticate(request, account_sid)
        if failure is not None:
            return failure
        to = request.query.get("To")
        size = int(request.query.get("PageSize", "50"))
        found = sorted(
            (r for r in records if to is None or r.to == to),
            key=lambda r: r.date_created, reverse=True,
        )[:size]  # fmt: skip
        uri = request.path_qs
        return web.json_response(
            {
                name: [r.resource() for r in found], "uri": uri,
                "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
                "page": 0, "page_size": size, "start": 0, "end": max(0, len(found) - 1),
            }
        )  # fmt: skip

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
