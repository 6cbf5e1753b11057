"""Letters through the one pipeline: the rendered HTML and the address to PDF, then posted.

    channel = LetterMailChannel(PrintRoomBatch(root))                         # or:
    channel = LetterMailChannel(LobStyleLetters(key, ...), address_block=False)
    receipt = await channel.send(outgoing)   # outgoing.body: the letter's HTML; .address

The PDF is laid out for the address's country (US Letter where that is the paper in use,
A4 elsewhere). The window shows the message's ``address`` — not the template's
``consumer_*`` variables — so it always shows where the letter is actually posted, and
the outside is checked for words suggesting debt collection (``outside``). The letter's
letterhead is handed on as its return address, for a provider with none configured.

Rendering takes 20–30 ms of CPU: it runs off the event loop, in one dedicated thread per
process (ReportLab is not documented as thread-safe, and more threads would not add a
core). A letter that cannot be rendered fails permanently: a retry renders it the same.
The idempotency key is the message id, so a retried job never posts a letter twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from channels.base import OutgoingMessage, PermanentChannelError, PostalAddress, Receipt
from channels.letters.base import LetterChannel, OutgoingLetter
from channels.letters.errors import LetterRenderError
from channels.letters.fonts import FontFiles, FontsMissing, LetterFonts
from channels.letters.markup import LetterDocument, parse_letter
from channels.letters.pages import PageSize
from channels.letters.pdf import LetterRenderer, RenderedPdf

__all__ = ["LETTER_SIZE_COUNTRIES", "LetterMailChannel", "page_size_for", "postal_lines"]

# A little under Lob's 24 hours, so that a key is never reused just as Lob forgets it.
IDEMPOTENCY_WINDOW = timedelta(hours=23)

log = logging.getLogger(__name__)

# Where US Letter is the paper in use (and US territories); everywhere else gets A4.
LETTER_SIZE_COUNTRIES = frozenset(
    {"US", "CA", "MX", "PR", "GU", "VI", "AS", "MP", "PH", "CL", "CO", "VE", "CR", "DO"}
    | {"GT", "HN", "NI", "PA", "SV"}
)
# Postcode before the lines (Chinese practice), or at the end of the last line (US, CA).
_POSTCODE_FIRST = frozenset({"CN", "TW", "JP", "KR"})
_POSTCODE_ON_LAST_LINE = frozenset({"US", "CA", "PR", "GU", "VI", "AS", "MP"})

# One thread renders every letter of the process, one at a time (see the module docstring).
_RENDER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="letter-render")


def page_size_for(country: str) -> PageSize:
    return PageSize.LETTER if country.upper() in LETTER_SIZE_COUNTRIES else PageSize.A4


def postal_lines(address: PostalAddress) -> tuple[str, ...]:
    """The lines below the name, in postal order, with the postcode where it belongs."""
    lines = address.lines
    code = (address.postal_code or "").strip()
    if not code or any(code.replace(" ", "") in line.replace(" ", "") for line in lines):
        return lines
    if address.country in _POSTCODE_FIRST:
        return (code, *lines)
    if address.country in _POSTCODE_ON_LAST_LINE:
        return (*lines[:-1], f"{lines[-1]} {code}")
    return (*lines, code)


class LetterMailChannel:
    """The pipeline's channel for letters: renders each one, then hands it to ``letters``.

    ``address_block=False`` leaves the window empty, for a provider that prints the
    address itself (Lob's ``address_placement="top_first_page"``). ``font_dirs``: where
    the system's fonts are looked for (``LETTER_FONT_DIRS``).

    Without any font to set letters in, the channel still starts — a worker is never kept
    from sending texts by a missing font — and says so in one log line; each letter then
    fails as ``letter_fonts_missing`` rather than being printed with characters missing.
    """

    def __init__(
        self,
        letters: LetterChannel,
        *,
        renderer: LetterRenderer | None = None,
        address_block: bool = True,
        font_dirs: Sequence[Path] | None = None,
    ) -> None:
        self._letters = letters
        self._fonts_missing: str | None = None
        self._renderer: LetterRenderer | None = renderer
        if renderer is None:  # loads the fonts: once per worker
            try:
                self._renderer = LetterRenderer(LetterFonts(FontFiles.discover(dirs=font_dirs)))
            except FontsMissing as exc:
                self._fonts_missing = str(exc)
                log.warning("letters cannot be sent until fonts are installed: %s", exc)
        self._address_block = address_block

    def __repr__(self) -> str:
        return f"LetterMailChannel({self._letters!r})"

    @property
    def provider(self) -> str:
        return self._letters.provider

    @property
    def idempotency_window(self) -> timedelta:
        """The message id is every letter provider's idempotency key (``IdempotentSend``);
        Lob keeps keys 24 hours, the print room for ever."""
        return IDEMPOTENCY_WINDOW

    async def send(self, message: OutgoingMessage) -> Receipt:
        address = message.address
        if address is None:
            raise PermanentChannelError("no_address", "a letter needs a postal address")
        if self._fonts_missing is not None:
            raise PermanentChannelError("letter_fonts_missing", self._fonts_missing)
        lines = postal_lines(address)
        loop = asyncio.get_running_loop()
        try:
            document, pdf = await loop.run_in_executor(
                _RENDER_THREAD, self._render, message.body, address, lines
            )
            letter = OutgoingLetter(
                message_id=message.message_id,
                recipient_name=address.name,
                address_lines=lines,
                country=address.country,
                pdf=pdf.pdf,
                pages=pdf.pages,
                idempotency_key=message.message_id,
                return_name=document.letterhead[0] if document.letterhead else "",
                return_lines=document.letterhead[1:],
            )
        except (LetterRenderError, ValueError) as exc:  # ValueError: OutgoingLetter's checks
            raise PermanentChannelError("letter_render", str(exc)) from exc
        return await self._letters.send(letter)

    async def aclose(self) -> None:
        await self._letters.aclose()

    def _render(
        self, html: str, address: PostalAddress, lines: tuple[str, ...]
    ) -> tuple[LetterDocument, RenderedPdf]:
        document = replace(parse_letter(html), recipient=(address.name, *lines))
        size = page_size_for(address.country)
        assert self._renderer is not None, "send() refuses letters when no font was found"
        pdf = self._renderer.render_document(document, size, address_block=self._address_block)
        return document, pdf
