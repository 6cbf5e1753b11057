"""Proof that the contact log was not edited afterwards (RFC 9162, Certificate Transparency).

- ``merkle``: the tree's hashing, inclusion and consistency proofs (pure functions).
- ``checkpoint``: signed, chained tree heads (Ed25519; the key lives outside the database).
- ``leaves``: the one canonical serialisation of a sealed row.
- ``seal``: appends committed events to the tree in blocks, one checkpoint per block.
- ``verify``: re-derives every leaf and root and names what was changed.
- ``prove``: inclusion proofs of a message's events; ``verify_proof`` checks them alone.
"""
