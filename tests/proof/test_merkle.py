"""The Merkle tree against the reference vectors of transparency-dev/merkle (the tree of
Certificate Transparency and Trillian: testonly/constants.go, proof/verify_test.go),
and properties of every proof over random trees."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatcher.proof.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from dispatcher.proof.verify_proof import consistent

h = bytes.fromhex

LEAF_INPUTS = [
    h(""), h("00"), h("10"), h("2021"), h("3031"), h("40414243"),
    h("5051525354555657"), h("606162636465666768696a6b6c6d6e6f"),
]  # fmt: skip

# Roots of the trees of the first 0..8 of LEAF_INPUTS.
ROOTS = [
    EMPTY_ROOT,
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

LEAF_HASHES = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
    h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
    h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
    h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
]

# (leaf index, tree size, proof)
INCLUSION = [
    (0, 1, []),
    (0, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (5, 8, [
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
]  # fmt: skip

# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (6, 8, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 5, [
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
    (6, 7, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
]  # fmt: skip

REFERENCE = MerkleTree([leaf_hash(data) for data in LEAF_INPUTS])


def test_leaf_hashes_match_the_reference() -> None:
    assert [leaf_hash(data) for data in LEAF_INPUTS] == LEAF_HASHES


def test_roots_of_every_size_match_the_reference() -> None:
    for size, root in enumerate(ROOTS):
        assert tree_root(LEAF_HASHES[:size]) == root, size
        assert REFERENCE.root(size) == root, size


def test_inclusion_proofs_match_the_reference() -> None:
    for index, size, proof in INCLUSION:
        assert REFERENCE.inclusion_proof(index, size) == proof, (index, size)
        assert verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


def test_consistency_proofs_match_the_reference() -> None:
    for old, new, proof in CONSISTENCY:
        if old < new:
            assert REFERENCE.consistency_proof(old, new) == proof, (old, new)
        assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof), (old, new)


def test_a_corrupted_inclusion_proof_fails() -> None:
    index, size, proof = INCLUSION[2]
    root, leaf = ROOTS[size], LEAF_HASHES[index]
    assert not verify_inclusion(leaf, index - 1, size, proof, root)
    assert not verify_inclusion(leaf, index, size * 2, proof, root)
    assert not verify_inclusion(leaf, index, size, proof[:-1], root)
    assert not verify_inclusion(leaf, index, size, [*proof, root], root)
    assert not verify_inclusion(leaf, index, size, [root, *proof], root)
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        assert not verify_inclusion(leaf, index, size, flipped, root)


def test_a_corrupted_consistency_proof_fails() -> None:
    old, new, proof = CONSISTENCY[2]
    roots = ROOTS[old], ROOTS[new]
    assert not verify_consistency(old - 1, new, *roots, proof)
    assert not verify_consistency(old, new, roots[1], roots[0], proof)
    assert not verify_consistency(old, new, *roots, [])
    assert not verify_consistency(old, new, *roots, proof[:-1])
    assert not verify_consistency(old, new, *roots, [*proof, roots[1]])


def test_compact_range_resumes_where_it_stopped() -> None:
    first = CompactRange()
    first.extend(LEAF_HASHES[:5])
    resumed = CompactRange(first.size, first.hashes)
    resumed.extend(LEAF_HASHES[5:])
    assert resumed.root() == ROOTS[8]


leaves_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(leaves_lists, st.data())
def test_every_inclusion_proof_verifies_and_a_changed_leaf_fails(
    data_list: list[bytes], data: st.DataObject
) -> None:
    hashes = [leaf_hash(d) for d in data_list]
    tree = MerkleTree(hashes)
    size = data.draw(st.integers(1, len(hashes)))
    root = tree_root(hashes[:size])
    assert tree.root(size) == root
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        assert verify_inclusion(hashes[index], index, size, proof, root)
        changed = leaf_hash(data_list[index] + b"!")
        assert not verify_inclusion(changed, index, size, proof, root)


def test_consistency_between_every_pair_of_sizes_up_to_64() -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(64)]
    tree = MerkleTree(hashes)
    roots = [tree_root(hashes[:n]) for n in range(65)]
    for new in range(1, 65):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
            if old < new:
                assert not verify_consistency(old, new, roots[old - 1], roots[new], proof)


def test_the_stand_alone_verifier_agrees_on_every_consistency_proof_up_to_40() -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(40)]
    tree = MerkleTree(hashes)
    roots = [tree_root(hashes[:n]) for n in range(41)]
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            assert consistent(old, new, roots[old], roots[new], proof), (old, new)
            if old < new:
                assert not consistent(old, new, roots[old], roots[new - 1], proof)
                assert not consistent(old, new, roots[old], roots[new], proof[:-1])
