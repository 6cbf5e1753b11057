"""Letters: rendered to PDF for a window envelope, posted by a provider or a print room.

    rendered = catalog.render("letter", "first_notice", "en-US", variables)   # HTML
    pdf = LetterRenderer().render(rendered.body, PageSize.LETTER)             # PDF bytes
    letter = OutgoingLetter(message_id, name, address_lines, "US", pdf.pdf, pdf.pages, key)
    receipt = await LobStyleLetters(...).send(letter)      # or PrintRoomBatch(root).send(letter)
    event = parse_tracking_event(body, signature, secret, timestamp=...)   # webhooks

The pipeline uses all of this through one ``Channel``: ``LetterMailChannel(PrintRoomBatch(
root))`` renders each message's HTML for its address (paper by country, the address in
the window) and posts it with the message id as idempotency key.

Modules: ``markup`` (the HTML subset), ``pdf`` (rendering), ``pages`` (page sizes and
window positions), ``fonts``, ``outside`` (what the envelope may show), ``base``
(``OutgoingLetter``), ``lob`` and ``lob_events`` (print-and-mail provider),
``print_room`` (PDFs and a manifest in a folder), ``channel`` (the pipeline's channel).
"""

from channels.letters.base import LetterChannel, OutgoingLetter
from channels.letters.channel import LetterMailChannel
from channels.letters.errors import (
    LetterLayoutError,
    LetterMarkupError,
    LetterRenderError,
    OutsideTextError,
)
from channels.letters.lob import LobStyleLetters
from channels.letters.lob_events import InvalidSignature, TrackingEvent, parse_tracking_event
from channels.letters.pages import PageSize
from channels.letters.pdf import LetterRenderer, RenderedPdf
from channels.letters.print_room import PrintRoomBatch, read_manifest

__all__ = [
    "InvalidSignature",
    "LetterChannel",
    "LetterLayoutError",
    "LetterMailChannel",
    "LetterMarkupError",
    "LetterRenderError",
    "LetterRenderer",
    "LobStyleLetters",
    "OutgoingLetter",
    "OutsideTextError",
    "PageSize",
    "PrintRoomBatch",
    "RenderedPdf",
    "TrackingEvent",
    "parse_tracking_event",
    "read_manifest",
]
