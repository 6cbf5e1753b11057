"""Letters through a print-and-mail provider with Lob's letters API, over aiohttp.

One ``POST /v1/letters`` per letter: HTTP Basic auth with the API key as the user name,
an ``Idempotency-Key`` header (the same key never prints a second letter: a retry after
a timeout is safe), and a multipart form with the recipient (``to[...]``), the sender
(``from[...]``) and the PDF. The answer carries the letter's id and its expected delivery
date. Errors:

    429, 5xx, network, unreadable 2xx → TransientChannelError (retry with the same key)
    other 4xx                         → PermanentChannelError with the provider's code

Tracking events arrive by webhook: see ``lob_events``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

import aiohttp

from channels.base import (
    DeliveryStatus,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)
from channels.letters.base import OutgoingLetter
from channels.letters.outside import collection_word

__all__ = ["LobStyleLetters", "lob_address"]

_US_LAST_LINE = re.compile(
    r"^(?P<city>[^,]+?),?\s+(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?)$"
)


def lob_address(name: str, lines: Sequence[str], country: str) -> dict[str, str]:
    """A name and postal lines as Lob's address fields; ``ValueError`` if they cannot be.

    US: one or two street lines, then "City, ST 12345". Elsewhere the lines are kept in
    order: the first is ``address_line1``, the last (postcode and city) ``address_city``,
    those between are joined into ``address_line2``.
    """
    lines = [" ".join(line.split()) for line in lines if line.strip()]
    fields = {"name": name.strip(), "address_country": country}
    if country == "US":
        if not 2 <= len(lines) <= 3:
            raise ValueError(f"a US address has 2 or 3 lines below the name, not {len(lines)}")
        found = _US_LAST_LINE.match(lines[-1])
        if found is None:
            raise ValueError(f"not a 'City, ST 12345' line: {lines[-1]!r}")
        fields.update(
            address_line1=lines[0],
            address_city=found["city"],
            address_state=found["state"],
            address_zip=found["zip"],
        )
        if len(lines) == 3:
            fields["address_line2"] = lines[1]
        return fields
    if len(lines) < 2:
        raise ValueError("an address needs at least a street line and a city line")
    fields.update(address_line1=lines[0], address_city=lines[-1])
    if len(lines) > 2:
        fields["address_line2"] = ", ".join(lines[1:-1])
    return fields


class LobStyleLetters:
    """Posts letters through a Lob-style print-and-mail API. Built once per worker.

    ``sender_*`` is the return address printed on the envelope: a neutral name only
    (12 CFR 1006.22(f)), checked here. Without ``sender_name``, each letter's own return
    address (``OutgoingLetter.return_name`` and ``return_lines``: its letterhead) is used.
    ``address_placement="top_first_page"`` has the provider print the address block over
    the top of page 1: render those PDFs with ``address_block=False``. ``timeout_s``
    bounds a whole send.
    """

    def __init__(
        self,
        api_key: str,
        *,
        sender_name: str = "",
        sender_address_lines: Sequence[str] = (),
        sender_country: str = "US",
        base_url: str = "https://api.lob.com",
        timeout_s: float = 30.0,
        use_type: str = "operational",
        address_placement: str = "top_first_page",
        double_sided: bool = True,
        color: bool = False,
    ) -> None:
        if not api_key:
            raise ValueError("the print-and-mail provider needs an API key")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        word = collection_word(" ".join((sender_name, *sender_address_lines)))
        if word is not None:
            raise ValueError(f"the return address would show {word!r} on the envelope")
        # HTTP Basic: the API key is the user name, the password is empty.
        self._authorization = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
        # No configured sender: each letter's own return address (its letterhead) is used.
        self._sender = (
            lob_address(sender_name, sender_address_lines, sender_country) if sender_name else None
        )
        # "https://api.lob.com" and "https://api.lob.com/v1" both mean the same API.
        self._url = base_url.rstrip("/").removesuffix("/v1") + "/v1/letters"
        self._timeout_s = timeout_s
        self._options = {
            "use_type": use_type,
            "address_placement": address_placement,
            "double_sided": "true" if double_sided else "false",
            "color": "true" if color else "false",
        }
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:  # never show the API key
        return f"LobStyleLetters(url={self._url!r})"

    @property
    def provider(self) -> str:
        return "lob"

    async def send(self, letter: OutgoingLetter) -> Receipt:
        """Ask the provider to print and post ``letter``; a receipt means it accepted it."""
        try:
            recipient = lob_address(letter.recipient_name, letter.address_lines, letter.country)
        except ValueError as exc:
            raise PermanentChannelError("address_invalid", str(exc)) from exc
        form = self._form(letter, recipient, self._sender_for(letter))
        headers = {"Authorization": self._authorization, "Idempotency-Key": letter.idempotency_key}
        session = self._get_session()
        try:
            async with session.post(self._url, data=form, headers=headers) as response:
                status = response.status
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientChannelError("network", f"{type(exc).__name__}: {exc}") from exc
        payload = _json(text)
        if 200 <= status < 300:
            return _receipt(payload)
        raise _error(status, payload, text)

    async def aclose(self) -> None:
        """Close the HTTP session. The adapter cannot send afterwards."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _sender_for(self, letter: OutgoingLetter) -> dict[str, str]:
        if self._sender is not None:
            return self._sender
        if not letter.return_name:
            raise PermanentChannelError("no_return_address", "no sender configured or given")
        word = collection_word(" ".join((letter.return_name, *letter.return_lines)))
        if word is not None:
            raise PermanentChannelError("return_address", f"would show {word!r} on the envelope")
        try:
            return lob_address(letter.return_name, letter.return_lines, letter.country)
        except ValueError as exc:
            raise PermanentChannelError("return_address_invalid", str(exc)) from exc

    def _form(
        self, letter: OutgoingLetter, recipient: dict[str, str], sender: dict[str, str]
    ) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("description", f"message {letter.message_id}")
        for prefix, address in (("to", recipient), ("from", sender)):
            for key, value in address.items():
                form.add_field(f"{prefix}[{key}]", value)
        for key, value in self._options.items():
            form.add_field(key, value)
        form.add_field("metadata[message_id]", letter.message_id)
        form.add_field(
            "file", letter.pdf, filename=f"{letter.message_id}.pdf", content_type="application/pdf"
        )
        return form

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("LobStyleLetters is closed")
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _receipt(payload: Any) -> Receipt:
    letter_id = payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(letter_id, str) or not letter_id:
        # Accepted or not, we cannot tell: a retry with the same key settles it.
        raise TransientChannelError("bad_response", "the provider answered 2xx without a letter id")
    detail = {"expected_delivery_date": str(payload.get("expected_delivery_date") or "")}
    return Receipt("lob", letter_id, DeliveryStatus.ACCEPTED, detail)


def _error(status: int, payload: Any, text: str) -> TransientChannelError | PermanentChannelError:
    error = payload.get("error") if isinstance(payload, dict) else None
    code = str(error.get("code") or status) if isinstance(error, dict) else str(status)
    message = str(error.get("message") or "") if isinstance(error, dict) else text[:200]
    message = message or f"HTTP {status}"
    if status == 429 or status >= 500:
        return TransientChannelError(code, message, http_status=status)
    return PermanentChannelError(code, message, http_status=status)
