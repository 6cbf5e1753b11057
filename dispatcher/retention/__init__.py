"""Retention and destruction (seed §5): personal data erased on schedule, proofs kept.

- ``models``: policies, closures, runs, certificates.
- ``policy``: when each debtor's records fall due, from the policy, the packs' minimum
  record-keeping periods and the legal holds that block it (``plan``).
- ``erase``: one debtor's personal data erased and its secrets destroyed (``run``).
- ``cli``: ``dispatcher retention close|policy|plan|run``.
"""
