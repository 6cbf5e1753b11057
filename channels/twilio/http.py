"""The Twilio SDK's aiohttp client, without the work it does per request for nothing.

``AsyncTwilioHttpClient`` sends what the SDK hands it; this subclass sends the same bytes
for less CPU:

- its request and response log lines (INFO, held at WARNING by ``dispatcher.process.logs``)
  are formatted only when its logger would write them — the SDK formats them first, then
  drops them;
- a form of plain strings (every Messages and Calls create) is encoded in one
  ``str.translate`` instead of urllib's per-byte quoting (a Chinese text is hundreds of
  escaped bytes), to the same body ``urlencode`` gives;
- the ``Authorization`` header is built once, not an ``aiohttp.BasicAuth`` per request.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from typing import Any, TypeGuard

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

__all__ = ["TwilioHttpClient", "form_urlencoded"]

# urllib's quote_plus: letters, digits and "_.-~" as they are, a space as "+", every other
# byte of the UTF-8 text as %XX. Applied to the text's bytes read as Latin-1 (one
# character per byte), so that str.translate maps each byte.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUOTED = {
    byte: chr(byte) if byte in _UNRESERVED else "+" if byte == 0x20 else f"%{byte:02X}"
    for byte in range(256)
}


_FORM = "application/x-www-form-urlencoded"


def form_urlencoded(fields: Mapping[str, str]) -> bytes:
    """``urllib.parse.urlencode(fields)`` (as aiohttp sends a form), for string fields."""
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in fields.items()).encode(
        "ascii"
    )


def _strings(fields: Mapping[str, object]) -> TypeGuard[Mapping[str, str]]:
    return all(isinstance(v, str) for v in fields.values())


def _quoted(text: str) -> str:
    return text.encode("utf-8").decode("latin-1").translate(_QUOTED)


class TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
    """One per channel, with the SDK's own retries off (``max_retries=None``)."""

    def __init__(self) -> None:
        super().__init__(max_retries=None)
        self._authorizations: dict[tuple[str, str], str] = {}

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the SDK calls it so)
        allow_redirects: bool = False,
    ) -> Response:
        body: Any = data
        if data and (headers or {}).get("Content-Type") == _FORM and _strings(data):
            body = form_urlencoded(data)
        if auth is not None:
            headers = {**(headers or {}), "Authorization": self._authorization(auth)}
        return await super().request(
            method, url, params, body, headers, None, timeout, allow_redirects
        )

    def _authorization(self, auth: tuple[str, str]) -> str:
        if (header := self._authorizations.get(auth)) is None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode("latin-1")).decode("ascii")
            header = self._authorizations[auth] = f"Basic {token}"
        return header

    def log_request(self, kwargs: dict[str, Any]) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code: int, response: Any) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)
