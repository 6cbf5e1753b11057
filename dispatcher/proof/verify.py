"""Verify: re-derive every sealed entry from its row and every root from the entries, check
each checkpoint's signature and chain (and against a witness), and name what differs.

What it can name, and how (see walk.py for the rows of each sealed kind):
- a **changed** entry: its row no longer hashes to its sealed leaf;
- a **reordered** entry: its row hashes to the leaf sealed under another row's id;
- a **deleted** entry: a sealed leaf whose row is gone;
- an **inserted** entry: a row in the sealed range that no leaf holds, or an unsealed row
  dated before the last sealed one (by more than the seal's lag);
- a rewritten leaf table or chain: a root, signature, chain link or witness that differs;
- a message whose status, content or verdict disagrees with its events (messages.py).

Personal fields are re-derived under the debtor's live secret; where retention destroyed
it, the commitment stored at sealing stands in for them (leaves.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf
from dispatcher.proof.checkpoint import GENESIS, Checkpoint, key_id
from dispatcher.proof.kinds import KINDS, MESSAGE_EVENT, SealedKind
from dispatcher.proof.merkle import CompactRange
from dispatcher.proof.messages import EventDigests, check_message_rows, check_message_statuses
from dispatcher.proof.seal import LAG, checkpoint_from_row
from dispatcher.proof.secrets import secrets_by_id
from dispatcher.proof.walk import ClosingWalk, EntryWalk, LeafCheck, StoredLeaves

__all__ = ["Finding", "Report", "load_checkpoints", "verify_log"]

STREAM_ROWS = 5000


@dataclass(frozen=True)
class Finding:
    kind: str  # changed, reordered, deleted, inserted, root, signature, chain, witness, ...
    subject: str  # "event 57", "hold 3", "checkpoint 3", "message 01J..."
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.text}"


@dataclass
class Report:
    checkpoints: int = 0
    entries: int = 0  # sealed leaves
    events: int = 0  # rows read, of every sealed kind
    unsealed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, subject: str, text: str) -> None:
        self.findings.append(Finding(kind, subject, text))


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
        check = LeafCheck(leaves, await secrets_by_id(conn))
    digests = EventDigests()
    for kind in KINDS:
        async with engine.connect() as conn:
            await walk_kind(conn, kind, checkpoints, check, lag, digests, report)
    async with engine.connect() as conn:
        await check_message_rows(conn, digests, report.add)
        await check_message_statuses(conn, report.add)
    return report


async def walk_kind(
    conn: AsyncConnection, kind: SealedKind, checkpoints: list[Checkpoint], check: LeafCheck,
    lag: timedelta, digests: EventDigests, report: Report,
) -> None:  # fmt: skip
    walk: EntryWalk | ClosingWalk
    id_ = kind.table.c.id
    if kind.cursor == "time":
        at = kind.table.c[kind.at]
        walk = ClosingWalk(kind, checkpoints, check, report.add)
        query = kind.select().where(at.is_not(None)).order_by(at, id_)
    else:
        walk = EntryWalk(kind, checkpoints, check, lag, report.add)
        query = kind.select().order_by(id_)
    observe = digests.observe if kind is MESSAGE_EVENT else None
    result = await conn.stream(query.execution_options(yield_per=STREAM_ROWS))
    async for partition in result.partitions():  # a batch per await, not a row
        for row in partition:
            walk.row(row)
            if observe:
                observe(row)
    walk.finish()
    report.events += walk.rows
    if isinstance(walk, EntryWalk):
        report.unsealed += walk.unsealed_rows


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
    known = {kind.name: kind for kind in KINDS}
    result = await conn.stream(
        select(
            AuditLeaf.leaf_index, AuditLeaf.kind, AuditLeaf.event_id, AuditLeaf.version,
            AuditLeaf.secret_id, AuditLeaf.commitment, AuditLeaf.leaf_hash,
        )
        .order_by(AuditLeaf.leaf_index)
        .execution_options(yield_per=STREAM_ROWS)
    )  # fmt: skip
    last_ids: dict[str, int] = {}
    async for partition in result.partitions():  # a batch per await, not a row
        for index, kind, entry_id, version, secret_id, committed, hashed in partition:
            if index != len(leaves):
                report.add("deleted", f"leaf {len(leaves)}", f"the leaf table skips to {index}")
            sealed = known.get(kind)
            noun = sealed.noun if sealed else kind
            if sealed is None:
                report.add("unknown", f"leaf {index}", f"seals kind {kind!r}, not registered")
            elif sealed.cursor == "id" and entry_id <= last_ids.get(kind, 0):
                report.add("reordered", f"leaf {index}",
                           f"{noun} {entry_id} is sealed out of id order")  # fmt: skip
            last_ids[kind] = entry_id
            leaves.append(kind, entry_id, version, secret_id, committed, hashed)
    report.entries = len(leaves)
    return leaves


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
