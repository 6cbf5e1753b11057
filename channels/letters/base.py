"""A letter ready to post, and the plug-in point for the ways of posting it.

A letter adapter takes an ``OutgoingLetter`` (the PDF already rendered, the address
already on it) and answers with a ``channels.base.Receipt``, or raises
``TransientChannelError`` (try again later, with the same idempotency key) or
``PermanentChannelError`` (don't).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from channels.base import Receipt

__all__ = ["LetterChannel", "OutgoingLetter"]

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class OutgoingLetter:
    """Everything an adapter needs to post one letter. Debtor data stays out of ``repr``."""

    message_id: str
    recipient_name: str = field(repr=False)
    address_lines: tuple[str, ...] = field(repr=False)  # below the name, in postal order
    country: str  # ISO 3166-1 alpha-2: "US", "CN"
    pdf: bytes = field(repr=False)
    pages: int
    idempotency_key: str
    # The letter's own return address (its letterhead), for a provider that prints one on
    # the envelope and has none configured: a neutral name, then postal lines.
    return_name: str = field(default="", repr=False)
    return_lines: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not self.message_id:
            problems.append("message_id is empty")
        if not self.recipient_name.strip():
            problems.append("recipient_name is empty")
        if not self.address_lines or not all(line.strip() for line in self.address_lines):
            problems.append("address_lines is empty or has a blank line")
        if not _COUNTRY.match(self.country):
            problems.append(f"country {self.country!r} is not an ISO 3166-1 alpha-2 code")
        if not self.pdf.startswith(b"%PDF-"):
            problems.append("pdf is not a PDF")
        if self.pages < 1:
            problems.append(f"pages must be at least 1, not {self.pages}")
        if not self.idempotency_key:
            problems.append("idempotency_key is empty")
        if problems:
            raise ValueError("; ".join(problems))


class LetterChannel(Protocol):
    """One way of posting letters. Built once per worker; shared by its jobs."""

    @property
    def provider(self) -> str: ...

    async def send(self, letter: OutgoingLetter) -> Receipt: ...

    async def aclose(self) -> None: ...
