"""A fake Lob-style letters API: a real aiohttp app on 127.0.0.1, port 0.

It answers ``LobStyleLetters`` the way the provider does, records what it received,
honours idempotency keys, can be scripted to fail, and sends signed tracking webhooks::

    async with FakeLob(API_KEY, webhook_secret=SECRET) as fake:
        letters = LobStyleLetters(API_KEY, base_url=fake.base_url, sender_name=..., ...)
        fake.respond_next(status=429)                 # the next create fails like Lob
        fake.respond_next(status=422, code="invalid")
        fake.letters["ltr_..."].file                  # the PDF it received
        await fake.send_tracking_event(letter_id, "letter.delivered", url=receiver_url)
        await fake.replay(fake.webhooks[0])           # the same signed request, again

Routes:

    POST /v1/letters         create (HTTP Basic auth, user = API key; Idempotency-Key)
    GET  /v1/letters/{id}    fetch
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from channels.letters.lob_events import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_tracking_event

__all__ = ["FakeLetter", "FakeLob", "RecordedLetterRequest", "WebhookAttempt"]

DEFAULT_CODES = {401: "unauthorized", 404: "not_found", 422: "invalid", 429: "rate_limit_exceeded"}


@dataclass(frozen=True)
class RecordedLetterRequest:
    """One request the fake received, before it decided how to answer."""

    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, str]  # form fields other than the file: "to[name]", "use_type", ...
    file: bytes | None
    replayed: bool = False  # answered from an earlier request with the same Idempotency-Key


@dataclass
class FakeLetter:
    id: str
    to: dict[str, str]
    from_: dict[str, str]
    file: bytes
    fields: dict[str, str]
    idempotency_key: str | None
    date_created: datetime
    expected_delivery_date: date
    events: list[str] = field(default_factory=list)

    def resource(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "letter",
            "description": self.fields.get("description"),
            "to": self.to,
            "from": self.from_,
            "metadata": {k[9:-1]: v for k, v in self.fields.items() if k.startswith("metadata[")},
            "use_type": self.fields.get("use_type"),
            "date_created": self.date_created.isoformat().replace("+00:00", "Z"),
            "expected_delivery_date": self.expected_delivery_date.isoformat(),
            "tracking_events": [{"type": e} for e in self.events],
        }


@dataclass(frozen=True)
class WebhookAttempt:
    url: str
    body: bytes
    headers: dict[str, str]
    response_status: int | None


@dataclass(frozen=True)
class _Scripted:
    status: int
    code: str | None
    message: str | None
    delay_s: float


class FakeLob:
    """The letters API for one API key, served on 127.0.0.1 (port chosen by the OS)."""

    def __init__(self, api_key: str, *, webhook_secret: str = "") -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.requests: list[RecordedLetterRequest] = []
        self.letters: dict[str, FakeLetter] = {}
        self.webhooks: list[WebhookAttempt] = []
        self._by_key: dict[str, tuple[int, dict[str, Any]]] = {}
        self._script: deque[_Scripted] = deque()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/v1/letters", self._create)
        app.router.add_get("/v1/letters/{letter_id}", self._fetch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def cleanup(self) -> None:
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
        if not self._port:
            raise RuntimeError("FakeLob is not started")
        return f"http://127.0.0.1:{self._port}"

    def respond_next(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Queue the answer to the next create, before normal behaviour resumes.

        A non-2xx ``status`` answers with a Lob error (``code`` defaults by status).
        A 2xx ``status`` only adds ``delay_s``; the create then proceeds normally.
        """
        self._script.append(_Scripted(status, code, message, delay_s))

    # -- webhooks ----------------------------------------------------------------------

    def event_body(self, letter_id: str, event_type: str) -> bytes:
        """The JSON body of a tracking event for ``letter_id``, as the provider sends it."""
        letter = self.letters.get(letter_id)
        resource = letter.resource() if letter else {"id": letter_id, "object": "letter"}
        event = {
            "id": "evt_" + secrets.token_hex(10),
            "object": "event",
            "date_created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "reference_id": letter_id,
            "event_type": {"id": event_type, "resource": "letters", "object": "event_type"},
            "body": resource,
        }
        return json.dumps(event).encode()

    async def send_tracking_event(
        self,
        letter_id: str,
        event_type: str,
        *,
        url: str,
        signed: bool = True,
        signature: str | None = None,
        timestamp: str | None = None,
        secret: str | None = None,
    ) -> int:
        """POST one tracking event to ``url``; return the receiver's HTTP status.

        ``signed=False`` omits both signature headers; ``signature=`` sends that exact
        (forged) value; ``secret=`` signs with another secret; ``timestamp=`` overrides
        the time it claims to be sent at (and is signed).
        """
        if self._session is None:
            raise RuntimeError("FakeLob is not started")
        body = self.event_body(letter_id, event_type)
        if letter_id in self.letters:
            self.letters[letter_id].events.append(event_type)
        headers = {"Content-Type": "application/json", "User-Agent": "Lob-Webhooks/fake"}
        if signed:
            stamp = timestamp or str(int(time.time() * 1000))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = signature or sign_tracking_event(
                body, self.webhook_secret if secret is None else secret, stamp
            )
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError):
            self.webhooks.append(WebhookAttempt(url, body, headers, None))
            raise
        self.webhooks.append(WebhookAttempt(url, body, headers, response.status))
        return response.status

    async def replay(self, attempt: WebhookAttempt) -> int:
        """POST an earlier webhook again, byte for byte (as the provider's retries do)."""
        if self._session is None:
            raise RuntimeError("FakeLob is not started")
        async with self._session.post(attempt.url, data=attempt.body, headers=attempt.headers) as r:
            await r.read()
        self.webhooks.append(WebhookAttempt(attempt.url, attempt.body, attempt.headers, r.status))
        return r.status

    # -- HTTP handlers -----------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        fields, file = await _read_form(request)
        key = request.headers.get("Idempotency-Key")
        replay = self._by_key.get(key) if key else None
        self.requests.append(
            RecordedLetterRequest(
                request.method,
                request.path,
                dict(request.headers),
                fields,
                file,
                replay is not None,
            )
        )
        if self._script:
            scripted = self._script.popleft()
            await asyncio.sleep(scripted.delay_s)
            if not 200 <= scripted.status < 300:
                return _error(scripted.status, scripted.code, scripted.message)
        if _basic_user(request.headers.get("Authorization", "")) != self.api_key:
            return _error(401, None, "Your API key is not valid.")
        if replay is not None:  # same key: the first answer again, and no second letter
            status, body = replay
            return web.json_response(body, status=status)
        problem = _validate(fields, file)
        if problem is not None:
            return _error(422, "invalid", problem)
        assert file is not None
        letter = self._new_letter(fields, file, key)
        body = letter.resource()
        if key:
            self._by_key[key] = (200, body)
        return web.json_response(body, status=200)

    async def _fetch(self, request: web.Request) -> web.Response:
        if _basic_user(request.headers.get("Authorization", "")) != self.api_key:
            return _error(401, None, "Your API key is not valid.")
        letter = self.letters.get(request.match_info["letter_id"])
        if letter is None:
            return _error(404, None, "letter not found")
        return web.json_response(letter.resource())

    def _new_letter(self, fields: dict[str, str], file: bytes, key: str | None) -> FakeLetter:
        now = datetime.now(UTC).replace(microsecond=0)
        letter = FakeLetter(
            id="ltr_" + secrets.token_hex(8),
            to=_address(fields, "to"),
            from_=_address(fields, "from"),
            file=file,
            fields=fields,
            idempotency_key=key,
            date_created=now,
            expected_delivery_date=(now + timedelta(days=5)).date(),
        )
        self.letters[letter.id] = letter
        return letter


async def _read_form(request: web.Request) -> tuple[dict[str, str], bytes | None]:
    fields: dict[str, str] = {}
    file: bytes | None = None
    if not request.content_type.startswith("multipart/"):
        return fields, file
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader):
            continue
        if part.name == "file":
            file = bytes(await part.read())
        elif part.name:
            fields[part.name] = await part.text()
    return fields, file


def _validate(fields: dict[str, str], file: bytes | None) -> str | None:
    for prefix in ("to", "from"):
        for required in ("name", "address_line1", "address_city", "address_country"):
            if not fields.get(f"{prefix}[{required}]"):
                return f"{prefix}.{required} is required"
        if fields.get(f"{prefix}[address_country]") == "US":
            for required in ("address_state", "address_zip"):
                if not fields.get(f"{prefix}[{required}]"):
                    return f"{prefix}.{required} is required"
    if fields.get("use_type") not in ("marketing", "operational"):
        return "use_type must be one of [marketing, operational]"
    if file is None or not file.startswith(b"%PDF-"):
        return "file must be a PDF"
    return None


def _address(fields: dict[str, str], prefix: str) -> dict[str, str]:
    start = f"{prefix}["
    return {k[len(start) : -1]: v for k, v in fields.items() if k.startswith(start)}


def _basic_user(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, _ = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user


def _error(status: int, code: str | None, message: str | None) -> web.Response:
    error = {
        "message": message or f"HTTP {status}",
        "status_code": status,
        "code": code or DEFAULT_CODES.get(status, "internal_server_error"),
    }
    return web.json_response({"error": error}, status=status)
