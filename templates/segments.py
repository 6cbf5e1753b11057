"""How many SMS segments a text costs, counted the way carriers split and bill it.

A text made only of GSM 03.38 characters is sent as GSM-7: basic-table characters
cost one septet, extension-table characters (``^{}\\[~]|€`` and form feed) cost two
(an escape plus the character). One message holds 160 septets; a longer text is
sent as concatenated segments of 153 septets each (the user data header takes the
rest), and an escape pair is never split across two segments.

Any other character switches the whole text to UCS-2, counted in UTF-16 code units
(an emoji outside the Basic Multilingual Plane takes two): 70 in one message, 67 per
concatenated segment, and a surrogate pair is never split across two segments.

The empty text counts as 0 units in 1 segment: sending it still costs a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Encoding", "SmsSegments", "count_sms_segments", "split_sms"]

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet in table order, 0x00-0x7F, without 0x1B (the escape).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = _GSM7_BASIC | _GSM7_EXTENSION
_EXTENDED = re.compile("[" + re.escape("".join(sorted(_GSM7_EXTENSION))) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 code units each

# encoding -> (units in a single message, units per concatenated segment)
_LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SmsSegments:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def count_sms_segments(text: str) -> SmsSegments:
    """Return the encoding, size and number of segments that ``text`` needs."""
    if _GSM7.issuperset(text):
        encoding: Encoding = "GSM-7"
        doubles = sum(map(text.count, _GSM7_EXTENSION)) if _EXTENDED.search(text) else 0
    else:
        encoding = "UCS-2"
        doubles = len(_ASTRAL.findall(text))
    units = len(text) + doubles
    single, per_segment = _LIMITS[encoding]
    if units <= single:
        return SmsSegments(encoding, units, 1)
    if not doubles:  # every character one unit: segments of exactly per_segment
        return SmsSegments(encoding, units, -(-units // per_segment))
    weights = _weights(text)[1]  # a two-unit character never straddles two segments
    return SmsSegments(encoding, units, len(_segment_starts(encoding, weights)))


def split_sms(text: str) -> list[str]:
    """Split ``text`` where a carrier would split it into segments (``[""]`` for "")."""
    encoding, weights = _weights(text)
    starts = _segment_starts(encoding, weights)
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def _weights(text: str) -> tuple[Encoding, list[int]]:
    """The encoding of ``text`` and the units each of its characters costs."""
    if _GSM7.issuperset(text):
        return "GSM-7", [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
    return "UCS-2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _segment_starts(encoding: Encoding, weights: list[int]) -> list[int]:
    """Index of the first character of each segment."""
    single, per_segment = _LIMITS[encoding]
    if sum(weights) <= single:
        return [0]
    starts = [0]
    used = 0
    for index, weight in enumerate(weights):
        # A two-unit character that does not fit moves whole to the next segment.
        if used + weight > per_segment:
            starts.append(index)
            used = 0
        used += weight
    return starts
