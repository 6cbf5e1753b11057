"""Message ids: 26 characters, sortable by creation time (a ULID in Crockford base32).

The first 10 characters are the milliseconds since the epoch (48 bits), the last 16 are
80 random bits from ``os.urandom``. Ten random bytes are exactly 16 base32 characters,
so random tails are made a thousand at a time: one ``os.urandom`` and one
``base64.b32encode`` (RFC 4648's alphabet translated to Crockford's), then sliced. The
unused tails are dropped in a forked child, so two processes never hand out the same.
"""

from __future__ import annotations

import base64
import os
import time

__all__ = ["new_message_id"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())
_TAILS_AT_ONCE = 1024
_tails: list[str] = []
_last_ms, _last_prefix = -1, ""


def new_message_id(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    if not _tails:
        _refill()
    return _time_prefix(ms) + _tails.pop()


def _refill() -> None:
    text = base64.b32encode(os.urandom(10 * _TAILS_AT_ONCE)).translate(_FROM_RFC4648).decode()
    _tails.extend(text[i : i + 16] for i in range(0, len(text), 16))


def _time_prefix(ms: int) -> str:
    """The 10 characters for ``ms``; a batch shares one millisecond, so the last is kept."""
    global _last_ms, _last_prefix
    if ms != _last_ms:
        chars = []
        value = ms
        for _ in range(10):
            value, digit = divmod(value, 32)
            chars.append(_ALPHABET[digit])
        _last_ms, _last_prefix = ms, "".join(reversed(chars))
    return _last_prefix


os.register_at_fork(after_in_child=_tails.clear)
