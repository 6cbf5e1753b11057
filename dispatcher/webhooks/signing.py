"""Standard Webhooks signatures (https://www.standardwebhooks.com, symmetric, version v1).

    webhook-id: evt_m123_message.sent
    webhook-timestamp: 1764509400            (seconds since the epoch, of this attempt)
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")> [v1,...]

A secret is ``whsec_`` and the key's bytes in base64. While a secret rotates, each secret
still valid signs, space-separated: a receiver that knows either one verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
from collections.abc import Iterable, Mapping

__all__ = ["PREFIX", "SignatureError", "new_secret", "sign", "signature_header", "verify"]

PREFIX = "whsec_"
TOLERANCE_S = 300  # the spec's window for a timestamp, either way


class SignatureError(Exception):
    """A delivery whose headers do not verify."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for; ValueError if it is not one."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"a secret starts with {PREFIX!r}")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except ValueError:
        raise ValueError("after whsec_ comes the key in base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("the key must be 24 to 64 bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets)


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float) -> None:
    """Raise ``SignatureError`` unless one of the signatures is ``secret``'s and the
    timestamp is within the tolerance of ``now``."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = (
        lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
    )  # fmt: skip
    if not (msg_id and stamp and signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_S:
        raise SignatureError("the timestamp is not within 5 minutes of now")
    expected = sign(secret, msg_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, given) for given in signatures.split(" ")):
        raise SignatureError("no signature matches")
