"""RFC 9162 Merkle tree hashing (§2.1): the tree hash, inclusion and consistency proofs.

Hashes are 32-byte SHA-256 digests. A leaf is ``SHA-256(0x00 || data)`` and an inner node
``SHA-256(0x01 || left || right)`` (the prefixes keep a leaf from passing for a node).
The tree over ``n`` leaves splits at the largest power of two smaller than ``n``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "MerkleTree",
    "ProofError",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims (or is malformed)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (for ``size`` > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): enough to append
    leaves and to compute the root, in O(log n) memory (Trillian's "compact range")."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of {size} leaves has {size.bit_count()} hashes")
        self.size = size
        self.hashes = list(hashes)  # largest subtree first

    def append(self, leaf: bytes) -> None:
        node, size = leaf, self.size
        while size & 1:  # merge with each perfect subtree of the same height
            node = node_hash(self.hashes.pop(), node)
            size >>= 1
        self.hashes.append(node)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf hashes ``leaves``."""
    compact = CompactRange()
    compact.extend(leaves)
    return compact.root()


class MerkleTree:
    """Every perfect subtree of a list of leaf hashes, to answer proofs for any tree size
    up to ``len(leaves)``. Each level is one bytes object (32 bytes a node): 64 MB for a
    million leaves, not the 130 MB of a million small ``bytes``."""

    def __init__(self, leaves: Sequence[bytes] | bytes) -> None:
        """``leaves``: the leaf hashes, or all of them concatenated (32 bytes each)."""
        level = leaves if isinstance(leaves, bytes) else b"".join(leaves)
        if len(level) % HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes each")
        self.size = len(level) // HASH_SIZE
        self.levels = [level]
        while len(level) > HASH_SIZE:
            pairs = len(level) // (2 * HASH_SIZE)
            level = b"".join(
                node_hash(level[64 * i : 64 * i + 32], level[64 * i + 32 : 64 * i + 64])
                for i in range(pairs)
            )
            self.levels.append(level)

    def _perfect(self, start: int, size: int) -> bytes:
        """The root of the perfect subtree of ``size`` (a power of two) leaves at ``start``."""
        height = size.bit_length() - 1
        index = start >> height
        return self.levels[height][HASH_SIZE * index : HASH_SIZE * (index + 1)]

    def subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a subtree the RFC's recursion visits (``start`` aligned)."""
        size = end - start
        if size == 0:
            return EMPTY_ROOT
        if size & (size - 1) == 0:
            return self._perfect(start, size)
        k = _split(size)
        return node_hash(self._perfect(start, k), self.subtree_root(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree_root(0, self.size if size is None else self._check_size(size))

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
        return size

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), nearest the leaf first."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self.subtree_root(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_root(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1)."""
        self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise ValueError(f"no consistency proof from {old_size} to {new_size}")
        proof: list[bytes] = []
        self._subproof(old_size, 0, new_size, True, proof)
        return proof

    def _subproof(self, m: int, start: int, end: int, complete: bool, out: list[bytes]) -> None:
        n = end - start
        if m == n:
            if not complete:
                out.append(self.subtree_root(start, end))
            return
        k = _split(n)
        if m <= k:
            self._subproof(m, start, start + k, complete, out)
            out.append(self.subtree_root(start + k, end))
        else:
            self._subproof(m - k, start + k, end, False, out)
            out.append(self.subtree_root(start, start + k))


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size}")
    fn, sn = index, size - 1
    node = leaf
    for sibling in proof:
        if len(sibling) != HASH_SIZE:
            raise ProofError("a proof hash is not 32 bytes")
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    return node


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    try:
        return root_from_inclusion_proof(leaf, index, size, proof) == root
    except ProofError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: the tree of ``new_size`` extends the tree of ``old_size``."""
    if old_size > new_size or old_size < 0:
        return False
    if old_size == new_size:
        return old_root == new_root and not proof
    if old_size == 0:
        return not proof
    if not proof or any(len(h) != HASH_SIZE for h in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is on the path
        path.insert(0, old_root)
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
