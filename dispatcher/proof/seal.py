"""Sealing: committed events are appended to the Merkle tree in blocks, one signed
checkpoint per block.

Sealing never holds a lock the send path waits for: it reads committed events in id order
afterwards, and writes only its own two tables in one short transaction. Two sealers at
once cannot both succeed: the checkpoint's number (and its predecessor's hash) are unique.

Ids are taken when a row is inserted but become visible when its transaction commits, so
id 101 can be visible while id 100 is still in flight. Only a prefix that cannot change
is sealed: events older than ``lag`` (the longest a write transaction may stay open),
stopping at the first younger one. A missing id followed by an event older than the lag
was rolled back (its transaction would have had to stay open longer than the lag): it is
recorded in the checkpoint as a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf, MessageEvent
from dispatcher.proof.checkpoint import GENESIS, Checkpoint, key_id, load_signing_key, sign
from dispatcher.proof.leaves import SELECT_EVENTS, event_bytes
from dispatcher.proof.merkle import CompactRange, leaf_hash

if TYPE_CHECKING:
    from dispatcher.deps import Deps

__all__ = [
    "BLOCK",
    "LAG",
    "Block",
    "checkpoint_from_row",
    "seal_block",
    "seal_cron",
    "seal_pending",
]

log = logging.getLogger(__name__)

LAG = timedelta(seconds=30)
BLOCK = 10_000  # events per checkpoint at most


@dataclass(frozen=True)
class Block:
    """The events one checkpoint seals, and the ids skipped as never committed."""

    rows: list[Any]
    gaps: list[int]
    last_event_id: int


def checkpoint_from_row(row: Any) -> Checkpoint:
    return Checkpoint(
        number=row.number,
        tree_size=row.tree_size,
        root=row.root_hash,
        at=row.at,
        previous=row.previous_hash,
        last_event_id=row.last_event_id,
        gaps=tuple(row.gaps),
        key_id=row.key_id,
        signature=row.signature,
    )


def settled_prefix(rows: Sequence[Any], after: int, cutoff: datetime) -> Block:
    """The events of ``rows`` (in id order, all after ``after``) that can be sealed now."""
    taken: list[Any] = []
    gaps: list[int] = []
    expected = after + 1
    for row in rows:
        if row.at > cutoff:
            break  # too young: an id before it may still commit
        gaps.extend(range(expected, row.id))
        taken.append(row)
        expected = row.id + 1
    return Block(taken, gaps, expected - 1)


async def seal_block(
    engine: AsyncEngine, key: Ed25519PrivateKey, *, now: datetime,
    lag: timedelta = LAG, block: int = BLOCK,
) -> Checkpoint | None:  # fmt: skip
    """Seal the next block of settled events; None if there is none (or another sealer
    took it first)."""
    async with engine.connect() as conn:
        latest = (
            await conn.execute(
                select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.number.desc()).limit(1)
            )
        ).first()
        after = latest.last_event_id if latest else 0
        rows = (
            await conn.execute(
                SELECT_EVENTS.where(MessageEvent.id > after).order_by(MessageEvent.id).limit(block)
            )
        ).all()
    found = settled_prefix(rows, after, now - lag)
    if not found.rows:
        return None
    compact = CompactRange(
        latest.tree_size if latest else 0,
        [bytes.fromhex(h) for h in latest.frontier] if latest else [],
    )
    leaves = [
        {
            "leaf_index": compact.size + i,
            "event_id": row.id,
            "leaf_hash": leaf_hash(event_bytes(row)),
        }
        for i, row in enumerate(found.rows)
    ]
    compact.extend(leaf["leaf_hash"] for leaf in leaves)
    checkpoint = sign(
        Checkpoint(
            number=latest.number + 1 if latest else 1,
            tree_size=compact.size,
            root=compact.root().hex(),
            at=now,
            previous=checkpoint_from_row(latest).hash() if latest else GENESIS,
            last_event_id=found.last_event_id,
            gaps=tuple(found.gaps),
            key_id=key_id(key.public_key()),
        ),
        key,
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(AuditLeaf), leaves)
            await conn.execute(insert(AuditCheckpoint), [_row(checkpoint, compact)])
    except IntegrityError:
        log.info("audit: checkpoint %d was sealed by another sealer", checkpoint.number)
        return None
    return checkpoint


def _row(checkpoint: Checkpoint, compact: CompactRange) -> dict[str, Any]:
    return {
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root,
        "previous_hash": checkpoint.previous,
        "at": checkpoint.at,
        "last_event_id": checkpoint.last_event_id,
        "gaps": list(checkpoint.gaps),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "frontier": [h.hex() for h in compact.hashes],
    }


async def seal_pending(
    engine: AsyncEngine, key: Ed25519PrivateKey, *, now: datetime,
    lag: timedelta = LAG, block: int = BLOCK, max_blocks: int = 100,
) -> list[Checkpoint]:  # fmt: skip
    """Seal block after block until every settled event is sealed (or ``max_blocks``)."""
    sealed: list[Checkpoint] = []
    while len(sealed) < max_blocks:
        checkpoint = await seal_block(engine, key, now=now, lag=lag, block=block)
        if checkpoint is None:
            break
        sealed.append(checkpoint)
    return sealed


async def seal_cron(ctx: dict[str, Any]) -> str:
    """The worker's cron job. A failure is logged and tried again at the next tick: sealing
    later loses nothing, and must never stop the worker."""
    deps: Deps = ctx["deps"]
    try:
        if "audit_signing_key" not in ctx:
            ctx["audit_signing_key"] = load_signing_key(deps.settings)
        sealed = await seal_pending(deps.log.engine, ctx["audit_signing_key"], now=deps.clock.now())
    except Exception:
        log.exception("audit: sealing failed; it is tried again at the next tick")
        return "sealing failed"
    if not sealed:
        return "nothing to seal"
    last = sealed[-1]
    return f"sealed up to checkpoint {last.number} ({last.tree_size} entries)"
