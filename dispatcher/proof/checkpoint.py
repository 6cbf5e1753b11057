"""Signed, chained checkpoints ("signed tree heads") and the key that signs them.

A checkpoint says: the tree of the first ``tree_size`` sealed entries has root ``root``,
at ``at``, and the checkpoint before it hashed to ``previous``. Its body is a few lines of
text (easy to read in a witness file or a proof); the Ed25519 signature covers the body.
The private key lives in a file outside the database (``AUDIT_SIGNING_KEY_FILE``), so a
database administrator who rewrites the log cannot sign a matching chain.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dispatcher.settings import Settings

__all__ = [
    "GENESIS",
    "Checkpoint",
    "Cursor",
    "key_id",
    "load_public_key",
    "load_signing_key",
    "public_key_pem",
    "sign",
]

log = logging.getLogger(__name__)

HEADER = "dispatcher contact log checkpoint v1"
HEADER_V2 = "dispatcher contact log checkpoint v2"  # v1 and a cursor line per other kind
GENESIS = "0" * 64  # the "previous hash" of the first checkpoint


@dataclass(frozen=True)
class Cursor:
    """How far one sealed kind (other than message events) is sealed: up to id ``last``
    skipping ``gaps`` (an "id" kind), or every closing at or before ``until`` (a "time" kind)."""

    kind: str
    last: int = 0
    gaps: tuple[int, ...] = ()
    until: datetime | None = None

    def text(self) -> str:
        if self.until is not None:
            return f"until {self.until.astimezone(UTC).isoformat(timespec='microseconds')}"
        return f"last {self.last} gaps {','.join(map(str, self.gaps)) or '-'}"

    @classmethod
    def parse(cls, kind: str, text: str) -> Cursor:
        words = text.split()
        if words[0] == "until":
            return cls(kind, until=datetime.fromisoformat(words[1]))
        gaps = () if words[3] == "-" else tuple(int(g) for g in words[3].split(","))
        return cls(kind, last=int(words[1]), gaps=gaps)


@dataclass(frozen=True)
class Checkpoint:
    number: int  # 1, 2, 3 ...
    tree_size: int
    root: str  # hex
    at: datetime
    previous: str  # hex hash of the checkpoint before, GENESIS for the first
    last_event_id: int
    gaps: tuple[int, ...]  # event ids never committed (rolled back), skipped by this block
    key_id: str
    signature: str = ""  # base64
    cursors: tuple[Cursor, ...] = ()  # the other kinds (none in a v1 checkpoint)

    def cursor(self, kind: str) -> Cursor | None:
        return next((cursor for cursor in self.cursors if cursor.kind == kind), None)

    def body(self) -> bytes:
        gaps = ",".join(map(str, self.gaps)) or "-"
        lines = [
            HEADER_V2 if self.cursors else HEADER,
            f"number {self.number}",
            f"size {self.tree_size}",
            f"root {self.root}",
            f"time {self.at.astimezone(UTC).isoformat(timespec='microseconds')}",
            f"previous {self.previous}",
            f"last-event {self.last_event_id}",
            f"gaps {gaps}",
            f"key {self.key_id}",
            *(f"cursor {cursor.kind} {cursor.text()}" for cursor in self.cursors),
        ]
        return ("\n".join(lines) + "\n").encode()

    def hash(self) -> str:
        """What the next checkpoint names as ``previous``: the body and its signature."""
        return hashlib.sha256(self.body() + base64.b64decode(self.signature)).hexdigest()

    def signed_by(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(base64.b64decode(self.signature), self.body())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, object]:
        return {
            "body": self.body().decode(),
            "signature": self.signature,
        }

    @classmethod
    def from_body(cls, body: str, signature: str) -> Checkpoint:
        """Parse a body written by ``body()`` (a witness file, a proof)."""
        lines = [line.split(" ", 1) for line in body.splitlines()[1:]]
        fields = dict(line for line in lines if line[0] != "cursor")
        cursors = tuple(
            Cursor.parse(*line[1].split(" ", 1)) for line in lines if line[0] == "cursor"
        )
        gaps = fields["gaps"]
        return cls(
            number=int(fields["number"]),
            tree_size=int(fields["size"]),
            root=fields["root"],
            at=datetime.fromisoformat(fields["time"]),
            previous=fields["previous"],
            last_event_id=int(fields["last-event"]),
            gaps=() if gaps == "-" else tuple(int(g) for g in gaps.split(",")),
            key_id=fields["key"],
            signature=signature,
            cursors=cursors,
        )


def sign(unsigned: Checkpoint, key: Ed25519PrivateKey) -> Checkpoint:
    signature = base64.b64encode(key.sign(unsigned.body())).decode()
    return Checkpoint(**{**unsigned.__dict__, "signature": signature})


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def signing_key_path(settings: Settings) -> Path:
    return settings.audit_signing_key_file or settings.data_dir / "audit-signing.key"


def load_signing_key(settings: Settings, *, create: bool = True) -> Ed25519PrivateKey:
    """The key in ``AUDIT_SIGNING_KEY_FILE``. Unset, the embedded default keeps one in
    data_dir (made on first use, mode 0600); a set path that is missing is an error."""
    path = signing_key_path(settings)
    if not path.exists():
        if settings.audit_signing_key_file is not None or not create:
            raise FileNotFoundError(f"AUDIT_SIGNING_KEY_FILE: {path} does not exist")
        _create_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"AUDIT_SIGNING_KEY_FILE: {path} is not an Ed25519 private key")
    return key


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    log.warning("audit: made a new checkpoint signing key at %s (keep a copy of it)", path)
