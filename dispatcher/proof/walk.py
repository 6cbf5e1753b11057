"""Verify's walk of one sealed kind: its rows (in their cursor's order) beside its leaves.

- an **id** kind: rows and leaves both in id order. A row whose bytes differ from its
  leaf was **changed** (or **reordered**, when it holds what another leaf sealed); a leaf
  without its row was **deleted**; a row in the sealed range no leaf holds was
  **inserted**, and so was an unsealed row dated before the last sealed one.
- a **time** kind (a closing: a hold lifted): every closing dated within the sealed time
  must have its leaf and match it; a leaf whose closing is gone was **deleted**.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dispatcher.proof.checkpoint import Checkpoint
from dispatcher.proof.kinds import MESSAGE_EVENT, SealedKind
from dispatcher.proof.leaves import commitment, entry_bytes
from dispatcher.proof.merkle import leaf_hash

__all__ = ["ClosingWalk", "EntryWalk", "LeafCheck", "StoredLeaves"]

MAX_REORDER_CANDIDATES = 1000  # pairs are tried among these; the rest are named "changed"
NO_SECRET = 0


@dataclass
class StoredLeaves:
    """Every stored leaf, in compact arrays (a million leaves in ~90 MB, not ~1 GB)."""

    entry_ids: array[int] = field(default_factory=lambda: array("q"))
    versions: array[int] = field(default_factory=lambda: array("b"))
    secret_ids: array[int] = field(default_factory=lambda: array("q"))
    commitments: bytearray = field(default_factory=bytearray)  # 32 bytes each, zeros: none
    hashes: bytearray = field(default_factory=bytearray)
    by_kind: dict[str, array[int]] = field(default_factory=dict)  # leaf indices, in order

    def __len__(self) -> int:
        return len(self.entry_ids)

    def hash(self, index: int) -> bytes:
        return bytes(self.hashes[32 * index : 32 * index + 32])

    def commitment(self, index: int) -> bytes:
        return bytes(self.commitments[32 * index : 32 * index + 32])

    def append(
        self, kind: str, entry_id: int, version: int, secret_id: int | None,
        committed: bytes | None, hashed: bytes,
    ) -> None:  # fmt: skip
        self.by_kind.setdefault(kind, array("q")).append(len(self.entry_ids))
        self.entry_ids.append(entry_id)
        self.versions.append(version)
        self.secret_ids.append(secret_id or NO_SECRET)
        self.commitments += committed if committed else bytes(32)
        self.hashes += hashed


@dataclass
class LeafCheck:
    """Re-derives a leaf from a row: under the live secret where it exists, with the
    commitment stored at sealing where the secret was destroyed."""

    leaves: StoredLeaves
    secrets: dict[int, bytes | None]

    def matches(self, kind: SealedKind, row: Any, j: int, *, entry_id: int | None = None) -> bool:
        entry_id = self.leaves.entry_ids[j] if entry_id is None else entry_id
        version = self.leaves.versions[j]
        committed, public = None, None
        if version > 1:
            public, personal = kind.fields(row)
            secret_id = self.leaves.secret_ids[j]
            secret = self.secrets.get(secret_id) if secret_id != NO_SECRET else None
            if secret_id == NO_SECRET:
                # Sealed with no personal fields: any found now were added afterwards.
                committed = commitment(kind, entry_id, personal, b"") if personal else None
            elif secret is not None:
                committed = commitment(kind, entry_id, personal, secret)
            else:
                committed = self.leaves.commitment(j)  # destroyed: the commitment stands alone
        data = entry_bytes(
            kind, row, entry_id=entry_id, version=version, committed=committed, public=public
        )
        return leaf_hash(data) == self.leaves.hash(j)


class EntryWalk:
    """Walks an id kind's rows (in id order) beside its leaves."""

    def __init__(
        self, kind: SealedKind, checkpoints: list[Checkpoint], check: LeafCheck,
        lag: timedelta, add: Callable[[str, str, str], None],
    ) -> None:  # fmt: skip
        self.kind, self.check, self.lag, self.add = kind, check, lag, add
        self.checkpoints = checkpoints
        self.positions = check.leaves.by_kind.get(kind.name, array("q"))
        self.sealed_to, self.gaps = 0, set[int]()
        for checkpoint in checkpoints:
            if kind is MESSAGE_EVENT:
                self.sealed_to = checkpoint.last_event_id
                self.gaps.update(checkpoint.gaps)
            elif (cursor := checkpoint.cursor(kind.name)) is not None:
                self.sealed_to = cursor.last
                self.gaps.update(cursor.gaps)
        self.sizes = [checkpoint.tree_size for checkpoint in checkpoints]
        self.differing: list[tuple[Any, int]] = []  # (row, leaf index)
        self.last_sealed_at: datetime | None = None
        self.p = 0  # the next of this kind's leaves to meet
        self.rows = 0
        self.unsealed_rows = 0

    def subject(self, entry_id: int) -> str:
        return f"{self.kind.noun} {entry_id}"

    def sealed_in(self, index: int) -> str:
        position = bisect.bisect_right(self.sizes, index)
        if position < len(self.checkpoints):
            return f"leaf {index}, checkpoint {self.checkpoints[position].number}"
        return f"leaf {index}"

    def entry_id(self, p: int) -> int:
        return self.check.leaves.entry_ids[self.positions[p]]

    def deleted_before(self, entry_id: int) -> None:
        while self.p < len(self.positions) and self.entry_id(self.p) < entry_id:
            self.add(
                "deleted", self.subject(self.entry_id(self.p)),
                f"sealed ({self.sealed_in(self.positions[self.p])}) but its row is gone",
            )  # fmt: skip
            self.p += 1

    def row(self, row: Any) -> None:
        self.rows += 1
        at: datetime = getattr(row, self.kind.at)
        if row.id > self.sealed_to:
            self.unsealed(row, at)
            return
        self.deleted_before(row.id)
        if self.p < len(self.positions) and self.entry_id(self.p) == row.id:
            j = self.positions[self.p]
            if not self.check.matches(self.kind, row, j):
                self.differing.append((row, j))
            self.last_sealed_at = at
            self.p += 1
            return
        where = " (its id was recorded as never committed)" if row.id in self.gaps else ""
        self.add("inserted", self.subject(row.id), f"in the sealed range but never sealed{where}")

    def unsealed(self, row: Any, at: datetime) -> None:
        self.unsealed_rows += 1
        if self.last_sealed_at is not None and at < self.last_sealed_at - self.lag:
            self.add(
                "inserted", self.subject(row.id),
                f"not sealed, yet dated {at.isoformat()}, before the last sealed "
                f"{self.kind.noun}: added afterwards with an earlier date",
            )  # fmt: skip

    def finish(self) -> None:
        self.deleted_before(self.sealed_to + 1)
        self.name_differences()

    def name_differences(self) -> None:
        """A differing row that holds exactly what was sealed under another differing row's
        id was reordered (contents swapped or moved); the others were changed."""
        leaves = self.check.leaves
        candidates = self.differing[:MAX_REORDER_CANDIDATES]
        for row, j in self.differing:
            moved_from = next(
                (
                    leaves.entry_ids[k]
                    for other, k in candidates
                    if other is not row
                    and self.check.matches(self.kind, row, k, entry_id=leaves.entry_ids[k])
                ),
                None,
            )
            if moved_from is not None:
                self.add(
                    "reordered", self.subject(row.id),
                    f"holds what was sealed as {self.subject(moved_from)} ({self.sealed_in(j)})",
                )  # fmt: skip
            else:
                said = f" (message {row.message_id}, status {row.status})" if (
                    self.kind is MESSAGE_EVENT) else ""  # fmt: skip
                self.add(
                    "changed", self.subject(row.id),
                    f"its row{said} no longer matches what was sealed ({self.sealed_in(j)})",
                )  # fmt: skip


class ClosingWalk:
    """Walks a time kind's closed rows beside its leaves (matched by row id)."""

    def __init__(
        self, kind: SealedKind, checkpoints: list[Checkpoint], check: LeafCheck,
        add: Callable[[str, str, str], None],
    ) -> None:  # fmt: skip
        self.kind, self.check, self.add = kind, check, add
        last = checkpoints[-1].cursor(kind.name) if checkpoints else None
        self.until = last.until if last is not None else None
        leaves = check.leaves
        self.unmet = {leaves.entry_ids[j]: j for j in leaves.by_kind.get(kind.name, ())}
        self.rows = 0

    def row(self, row: Any) -> None:
        self.rows += 1
        at: datetime = getattr(row, self.kind.at)
        j = self.unmet.pop(row.id, None)
        subject = f"{self.kind.noun} {row.id}"
        if j is None:
            if self.until is not None and at <= self.until:
                self.add("inserted", subject, f"dated {at.isoformat()}, in the sealed range, "
                         "but never sealed: recorded afterwards with an earlier date")  # fmt: skip
            return
        if not self.check.matches(self.kind, row, j):
            self.add("changed", subject, f"no longer matches what was sealed (leaf {j})")

    def finish(self) -> None:
        for entry_id, j in self.unmet.items():
            self.add("deleted", f"{self.kind.noun} {entry_id}",
                     f"sealed (leaf {j}) but the row no longer records it")  # fmt: skip
