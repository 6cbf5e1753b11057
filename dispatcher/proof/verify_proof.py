"""Check a proof printed by ``dispatcher audit prove`` or ``dispatcher audit consistency``
with nothing but the public key.

    python -m dispatcher.proof.verify_proof proof.json public_key.pem

Self-contained on purpose (hashlib, json and the ``cryptography`` package only): an
auditor can read it in one sitting, copy it, and run it away from our code and database.

- An inclusion proof: the checkpoint is signed by the key, and each entry's bytes
  (``leaf_data``, the event as canonical JSON; personal fields only as a commitment) are
  in the tree under the signed root, by the RFC 9162 §2.1.3.2 algorithm.
- A consistency proof (``old``, ``new``, ``proof``): both checkpoints are signed, and the
  newer tree extends the older (RFC 9162 §2.1.4.2): nothing sealed by then was changed.

Exit status 0: everything is proven.
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


def consistent(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
               proof: list[bytes]) -> bool:  # fmt: skip
    """RFC 9162 §2.1.4.2."""
    if old_size == new_size:
        return old_root == new_root and not proof
    if not 0 < old_size < new_size or not proof or any(len(h) != 32 for h in proof):
        return False
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def signed(checkpoint: dict[str, str], public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(base64.b64decode(checkpoint["signature"]), checkpoint["body"].encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_consistency(proof: dict[str, Any], public_key: Ed25519PublicKey) -> list[str]:
    """What is wrong with a consistency proof; empty if the newer tree extends the older."""
    problems = [
        f"the {which} checkpoint is not signed by this public key"
        for which in ("old", "new")
        if not signed(proof[which], public_key)
    ]
    if problems:
        return problems
    old, new = (checkpoint_fields(proof[w]["body"]) for w in ("old", "new"))
    if not consistent(
        int(old["size"]),
        int(new["size"]),
        bytes.fromhex(old["root"]),
        bytes.fromhex(new["root"]),
        [bytes.fromhex(h) for h in proof["proof"]],
    ):
        return [f"checkpoint {new['number']} does not extend checkpoint {old['number']}"]
    return []  # fmt: skip


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m dispatcher.proof.verify_proof proof.json public_key.pem")
        return 2
    proof = json.loads(Path(argv[0]).read_text())
    key = load_pem_public_key(Path(argv[1]).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print(f"{argv[1]}: not an Ed25519 public key")
        return 2
    problems = verify_consistency(proof, key) if "old" in proof else verify(proof, key)
    for problem in problems:
        print(f"FAILED {problem}")
    if problems:
        return 1
    if "old" in proof:
        old, new = (checkpoint_fields(proof[w]["body"]) for w in ("old", "new"))
        print(f"consistent: checkpoint {new['number']} (size {new['size']}) extends "
              f"checkpoint {old['number']} (size {old['size']}); both are signed")  # fmt: skip
        return 0
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
