"""Verify: re-derive every sealed entry from its row and every root from the entries, check
each checkpoint's signature and chain (and against a witness), and name what differs.

What it can name, and how:
- a **changed** event: its row no longer hashes to its sealed leaf;
- a **reordered** event: its row hashes to the leaf sealed under another event's id;
- a **deleted** event: a sealed leaf whose row is gone;
- an **inserted** event: a row in the sealed range that no leaf holds, or an unsealed row
  dated before the last sealed one (by more than the seal's lag);
- a rewritten leaf table or chain: a root, signature, chain link or witness that differs;
- a message whose status disagrees with its last event's, or whose content is not the
  content its sending event recorded (``content_sha256``).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.digests import content_digest
from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf, Message, MessageEvent
from dispatcher.proof.checkpoint import GENESIS, Checkpoint, key_id
from dispatcher.proof.leaves import SELECT_EVENTS, event_bytes
from dispatcher.proof.merkle import CompactRange, leaf_hash
from dispatcher.proof.seal import LAG, checkpoint_from_row

__all__ = ["Finding", "Report", "load_checkpoints", "verify_log"]

STREAM_ROWS = 5000
MAX_REORDER_CANDIDATES = 1000  # pairs are tried among these; the rest are named "changed"


@dataclass(frozen=True)
class Finding:
    kind: str  # changed, reordered, deleted, inserted, root, signature, chain, witness, ...
    subject: str  # "event 57", "checkpoint 3", "message 01J..."
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.text}"


@dataclass
class Report:
    checkpoints: int = 0
    entries: int = 0  # sealed leaves
    events: int = 0  # event rows read
    unsealed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, subject: str, text: str) -> None:
        self.findings.append(Finding(kind, subject, text))


@dataclass
class StoredLeaves:
    event_ids: array[int] = field(default_factory=lambda: array("q"))
    hashes: bytearray = field(default_factory=bytearray)

    def __len__(self) -> int:
        return len(self.event_ids)

    def hash(self, index: int) -> bytes:
        return bytes(self.hashes[32 * index : 32 * index + 32])


async def load_checkpoints(conn: AsyncConnection) -> list[Checkpoint]:
    rows = await conn.execute(select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.number))
    return [checkpoint_from_row(row) for row in rows]


async def verify_log(
    engine: AsyncEngine,
    public_key: Ed25519PublicKey,
    *,
    witness: Sequence[Checkpoint] = (),
    lag: timedelta = LAG,
) -> Report:
    report = Report()
    async with engine.connect() as conn:
        checkpoints = await load_checkpoints(conn)
        report.checkpoints = len(checkpoints)
        check_chain(checkpoints, public_key, report)
        check_witness(checkpoints, witness, public_key, report)
        leaves = await load_leaves(conn, report)
        check_roots(checkpoints, leaves, report)
    async with engine.connect() as conn:
        await check_events(conn, checkpoints, leaves, lag, report)
        await check_message_statuses(conn, report)
    return report


def check_chain(
    checkpoints: list[Checkpoint], public_key: Ed25519PublicKey, report: Report
) -> None:
    expected_key = key_id(public_key)
    previous = GENESIS
    previous_size = 0
    for number, checkpoint in enumerate(checkpoints, start=1):
        subject = f"checkpoint {checkpoint.number}"
        if checkpoint.number != number:
            report.add("chain", subject, f"numbered {checkpoint.number} where {number} was due")
        if not checkpoint.signed_by(public_key):
            report.add(
                "signature", subject,
                f"its signature does not verify with the public key {expected_key} "
                f"(it names key {checkpoint.key_id}): the checkpoint was forged or re-signed",
            )  # fmt: skip
        if checkpoint.previous != previous:
            report.add("chain", subject, "it does not name the checkpoint before it as previous")
        if checkpoint.tree_size < previous_size:
            report.add("chain", subject, f"the tree shrank from {previous_size}")
        previous, previous_size = checkpoint.hash(), checkpoint.tree_size


def check_witness(
    checkpoints: list[Checkpoint],
    witness: Sequence[Checkpoint],
    public_key: Ed25519PublicKey,
    report: Report,
) -> None:
    by_number = {c.number: c for c in checkpoints}
    for seen in witness:
        subject = f"checkpoint {seen.number}"
        if not seen.signed_by(public_key):
            report.add("witness", subject, "the witness's copy is not signed by the public key")
            continue
        stored = by_number.get(seen.number)
        if stored is None:
            report.add(
                "truncated", subject,
                f"the witness holds it (size {seen.tree_size}) but the database does not: "
                "the log was cut back",
            )  # fmt: skip
        elif stored.hash() != seen.hash():
            report.add(
                "witness", subject,
                "differs from the witness's copy: the chain was rewritten from here",
            )  # fmt: skip


async def load_leaves(conn: AsyncConnection, report: Report) -> StoredLeaves:
    leaves = StoredLeaves()
    result = await conn.stream(
        select(AuditLeaf.leaf_index, AuditLeaf.event_id, AuditLeaf.leaf_hash)
        .order_by(AuditLeaf.leaf_index)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for partition in result.partitions():  # a batch per await, not a row
        for index, event_id, hashed in partition:
            add_leaf(leaves, index, event_id, hashed, report)
    report.entries = len(leaves)
    return leaves


def add_leaf(
    leaves: StoredLeaves, index: int, event_id: int, hashed: bytes, report: Report
) -> None:
    if index != len(leaves):
        report.add("deleted", f"leaf {len(leaves)}", f"the leaf table skips to {index}")
    if leaves.event_ids and event_id <= leaves.event_ids[-1]:
        report.add("reordered", f"leaf {index}", f"event {event_id} is sealed out of id order")
    leaves.event_ids.append(event_id)
    leaves.hashes += hashed


def check_roots(checkpoints: list[Checkpoint], leaves: StoredLeaves, report: Report) -> None:
    """Rebuild the root at every checkpoint's size from the stored leaves; name the first
    block whose root differs (every later root then differs too)."""
    compact = CompactRange()
    previous_size = 0
    for checkpoint in checkpoints:
        size = min(checkpoint.tree_size, len(leaves))
        while compact.size < size:
            compact.append(leaves.hash(compact.size))
        subject = f"checkpoint {checkpoint.number}"
        if checkpoint.tree_size > len(leaves):
            report.add(
                "truncated", subject,
                f"it seals {checkpoint.tree_size} entries; only {len(leaves)} leaves are stored",
            )  # fmt: skip
            return
        if compact.root().hex() != checkpoint.root:
            report.add(
                "root", subject,
                f"the stored leaves {previous_size}..{size - 1} no longer hash to its signed "
                "root: the leaf table was altered in that block",
            )  # fmt: skip
            return
        previous_size = size
    if checkpoints and len(leaves) > checkpoints[-1].tree_size:
        extra = len(leaves) - checkpoints[-1].tree_size
        report.add("inserted", "leaf table", f"{extra} leaves follow the last checkpoint")


async def check_events(
    conn: AsyncConnection,
    checkpoints: list[Checkpoint],
    leaves: StoredLeaves,
    lag: timedelta,
    report: Report,
) -> None:
    """Walk the event rows and the sealed leaves side by side, both in event id order."""
    walk = EventWalk(checkpoints, leaves, lag, report)
    result = await conn.stream(
        SELECT_EVENTS.order_by(MessageEvent.id).execution_options(yield_per=STREAM_ROWS)
    )
    async for partition in result.partitions():  # a batch per await, not a row
        for row in partition:
            walk.event(row)
    walk.deleted_before(walk.sealed_to + 1)
    name_differences(walk.differing, leaves, walk.sealed_in, report)
    await check_message_contents(conn, walk.content_digests, report)


class EventWalk:
    def __init__(
        self, checkpoints: list[Checkpoint], leaves: StoredLeaves, lag: timedelta, report: Report
    ) -> None:
        self.checkpoints, self.leaves, self.lag, self.report = checkpoints, leaves, lag, report
        self.sealed_to = checkpoints[-1].last_event_id if checkpoints else 0
        self.gaps = {gap for checkpoint in checkpoints for gap in checkpoint.gaps}
        self.sizes = [checkpoint.tree_size for checkpoint in checkpoints]
        self.differing: list[tuple[Any, int]] = []  # (row, leaf index)
        self.last_sealed_at: datetime | None = None
        self.j = 0  # the next leaf to meet
        # message id -> (event id, content SHA-256) of its latest event that recorded one
        self.content_digests: dict[str, tuple[int, str]] = {}

    def sealed_in(self, index: int) -> str:
        position = bisect.bisect_right(self.sizes, index)
        if position < len(self.checkpoints):
            return f"leaf {index}, checkpoint {self.checkpoints[position].number}"
        return f"leaf {index}"

    def deleted_before(self, event_id: int) -> None:
        leaves = self.leaves
        while self.j < len(leaves) and leaves.event_ids[self.j] < event_id:
            self.report.add(
                "deleted", f"event {leaves.event_ids[self.j]}",
                f"sealed ({self.sealed_in(self.j)}) but its row is gone",
            )  # fmt: skip
            self.j += 1

    def event(self, row: Any) -> None:
        self.report.events += 1
        digest = row.detail.get("content_sha256") if isinstance(row.detail, dict) else None
        if digest:
            self.content_digests[row.message_id] = (row.id, digest)
        if row.id > self.sealed_to:
            self.unsealed(row)
            return
        self.deleted_before(row.id)
        leaves, j = self.leaves, self.j
        if j < len(leaves) and leaves.event_ids[j] == row.id:
            if leaf_hash(event_bytes(row)) != leaves.hash(j):
                self.differing.append((row, j))
            self.last_sealed_at = row.at
            self.j += 1
            return
        where = " (its id was recorded as never committed)" if row.id in self.gaps else ""
        self.report.add(
            "inserted", f"event {row.id}", f"in the sealed range but never sealed{where}"
        )

    def unsealed(self, row: Any) -> None:
        self.report.unsealed += 1
        if self.last_sealed_at is not None and row.at < self.last_sealed_at - self.lag:
            self.report.add(
                "inserted", f"event {row.id}",
                f"not sealed, yet dated {row.at.isoformat()}, before the last sealed event: "
                "added afterwards with an earlier date",
            )  # fmt: skip


def name_differences(
    differing: list[tuple[Any, int]], leaves: StoredLeaves, sealed_in: Any, report: Report
) -> None:
    """A differing row that holds exactly what was sealed under another differing row's id
    was reordered (contents swapped or moved); the others were changed."""
    candidates = differing[:MAX_REORDER_CANDIDATES]
    for row, j in differing:
        moved_from = next(
            (
                leaves.event_ids[k]
                for other, k in candidates
                if other is not row
                and leaf_hash(event_bytes(row, event_id=leaves.event_ids[k])) == leaves.hash(k)
            ),
            None,
        )
        if moved_from is not None:
            report.add(
                "reordered", f"event {row.id}",
                f"holds what was sealed as event {moved_from} ({sealed_in(j)})",
            )  # fmt: skip
        else:
            report.add(
                "changed", f"event {row.id}",
                f"its row (message {row.message_id}, status {row.status}) no longer matches "
                f"what was sealed ({sealed_in(j)})",
            )  # fmt: skip


async def check_message_contents(
    conn: AsyncConnection, digests: dict[str, tuple[int, str]], report: Report
) -> None:
    """Each message's content against the hash its latest sending event recorded."""
    result = await conn.stream(
        select(Message.id, Message.content)
        .where(Message.content.is_not(None))
        .order_by(Message.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for partition in result.partitions():
        for message_id, content in partition:
            recorded = digests.get(message_id)
            if recorded and content is not None and content_digest(content) != recorded[1]:
                report.add(
                    "content", f"message {message_id}",
                    f"its content is not the content event {recorded[0]} recorded as sent",
                )  # fmt: skip


async def check_message_statuses(conn: AsyncConnection, report: Report) -> None:
    last = (
        select(MessageEvent.message_id, func.max(MessageEvent.id).label("last_id"))
        .group_by(MessageEvent.message_id)
        .subquery()
    )
    event = MessageEvent.__table__.alias("last_event")
    query = (
        select(Message.id, Message.status, event.c.status.label("event_status"))
        .select_from(Message)
        .outerjoin(last, last.c.message_id == Message.id)
        .outerjoin(event, event.c.id == last.c.last_id)
        .where(or_(event.c.id.is_(None), event.c.status != Message.status))
        .order_by(Message.id)
    )
    for message_id, status, event_status in await conn.execute(query):
        said = f"its last event says {event_status}" if event_status else "it has no events"
        report.add("status", f"message {message_id}", f"its row says {status}, but {said}")
