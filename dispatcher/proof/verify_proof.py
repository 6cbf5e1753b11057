"""Check a proof printed by ``dispatcher audit prove`` with nothing but the public key.

    python -m dispatcher.proof.verify_proof proof.json public_key.pem

Self-contained on purpose (hashlib, json and the ``cryptography`` package only): an
auditor can read it in one sitting, copy it, and run it away from our code and database.
It checks that the checkpoint is signed by the key, then that each entry's bytes
(``leaf_data``, the event as canonical JSON) are in the tree under the signed root,
by the RFC 9162 §2.1.3.2 algorithm. Exit status 0: every entry is proven.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2; None where the proof cannot belong to a tree of ``size``."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0 or len(sibling) != 32:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def checkpoint_fields(body: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in body.splitlines()[1:])


def verify(proof: dict[str, Any], public_key: Ed25519PublicKey) -> list[str]:
    """What is wrong with ``proof``; empty if every entry is proven."""
    body = proof["checkpoint"]["body"]
    try:
        public_key.verify(base64.b64decode(proof["checkpoint"]["signature"]), body.encode())
    except (InvalidSignature, ValueError):
        return ["the checkpoint is not signed by this public key"]
    fields = checkpoint_fields(body)
    size, root = int(fields["size"]), bytes.fromhex(fields["root"])
    problems = []
    for entry in proof["entries"]:
        leaf = leaf_hash(entry["leaf_data"].encode())
        path = [bytes.fromhex(h) for h in entry["proof"]]
        if root_from_proof(leaf, entry["leaf_index"], size, path) != root:
            problems.append(f"event {entry['event_id']}: not in the tree under the signed root")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m dispatcher.proof.verify_proof proof.json public_key.pem")
        return 2
    proof = json.loads(Path(argv[0]).read_text())
    key = load_pem_public_key(Path(argv[1]).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print(f"{argv[1]}: not an Ed25519 public key")
        return 2
    problems = verify(proof, key)
    for problem in problems:
        print(f"FAILED {problem}")
    if problems:
        return 1
    fields = checkpoint_fields(proof["checkpoint"]["body"])
    print(f"checkpoint {fields['number']} (size {fields['size']}, {fields['time']}) is signed")
    for entry in proof["entries"]:
        print(
            f"proven: event {entry['event_id']} at leaf {entry['leaf_index']}: {entry['leaf_data']}"
        )
    for event_id in proof.get("unsealed_event_ids", []):
        print(f"not yet sealed: event {event_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
