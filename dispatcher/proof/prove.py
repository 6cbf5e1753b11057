"""Proofs as JSON that ``verify_proof`` (or anyone with the public key) checks without the
database: inclusion of one message's events under the latest checkpoint, and consistency
of two checkpoints (the newer tree extends the older: nothing sealed was changed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf, MessageEvent
from dispatcher.proof.kinds import MESSAGE_EVENT
from dispatcher.proof.leaves import entry_bytes
from dispatcher.proof.merkle import MerkleTree
from dispatcher.proof.seal import checkpoint_from_row

__all__ = ["NothingSealed", "prove_consistency", "prove_message"]


class NothingSealed(LookupError):
    """No checkpoint yet: there is nothing to prove against."""


async def prove_message(engine: AsyncEngine, message_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        latest = (
            await conn.execute(
                select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.number.desc()).limit(1)
            )
        ).first()
        if latest is None:
            raise NothingSealed("no checkpoint yet: run `dispatcher audit seal` first")
        checkpoint = checkpoint_from_row(latest)
        events = (
            await conn.execute(
                MESSAGE_EVENT.select()
                .where(MessageEvent.message_id == message_id)
                .order_by(MessageEvent.id)
            )
        ).all()
        where = {
            leaf.event_id: leaf
            for leaf in await conn.execute(
                select(AuditLeaf.leaf_index, AuditLeaf.event_id, AuditLeaf.version,
                       AuditLeaf.commitment).where(
                    AuditLeaf.kind == MESSAGE_EVENT.name,
                    AuditLeaf.event_id.in_([event.id for event in events]),
                    AuditLeaf.leaf_index < checkpoint.tree_size,
                )
            )
        }  # fmt: skip
        tree = await _tree(conn, checkpoint.tree_size)
    entries = [
        {
            "event_id": event.id,
            "leaf_index": where[event.id].leaf_index,
            # The sealed bytes: personal fields only as the commitment stored at sealing.
            "leaf_data": entry_bytes(
                MESSAGE_EVENT,
                event,
                entry_id=event.id,
                version=where[event.id].version,
                committed=where[event.id].commitment,
            ).decode(),
            "proof": [
                h.hex()
                for h in tree.inclusion_proof(where[event.id].leaf_index, checkpoint.tree_size)
            ],
        }
        for event in events
        if event.id in where
    ]
    return {
        "message_id": message_id,
        "checkpoint": checkpoint.to_json(),
        "entries": entries,
        "unsealed_event_ids": [event.id for event in events if event.id not in where],
    }


async def _tree(conn: AsyncConnection, size: int) -> MerkleTree:
    hashes = bytearray()  # 32 MB for a million leaves, not a million small objects
    result = await conn.stream(
        select(AuditLeaf.leaf_hash)
        .where(AuditLeaf.leaf_index < size)
        .order_by(AuditLeaf.leaf_index)
        .execution_options(yield_per=10_000)
    )
    async for partition in result.partitions():
        for (hashed,) in partition:
            hashes += hashed
    return MerkleTree(bytes(hashes))


async def prove_consistency(engine: AsyncEngine, old_size: int, new_size: int) -> dict[str, Any]:
    """RFC 9162 §2.1.4: the proof that the tree of the checkpoint of ``new_size`` entries
    extends the tree of the checkpoint of ``old_size``, with both signed checkpoints."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"OLD_SIZE {old_size} and NEW_SIZE {new_size}: need 0 < OLD <= NEW")
    async with engine.connect() as conn:
        checkpoints = {}
        for size in (old_size, new_size):
            row = (
                await conn.execute(
                    select(AuditCheckpoint.__table__)
                    .where(AuditCheckpoint.tree_size == size)
                    .order_by(AuditCheckpoint.number)
                    .limit(1)
                )
            ).first()
            if row is None:
                raise ValueError(f"no checkpoint seals exactly {size} entries")
            checkpoints[size] = checkpoint_from_row(row)
        tree = await _tree(conn, new_size)
    if tree.size < new_size:
        raise ValueError(f"only {tree.size} leaves are stored, fewer than {new_size}")
    return {
        "old": checkpoints[old_size].to_json(),
        "new": checkpoints[new_size].to_json(),
        "proof": [h.hex() for h in tree.consistency_proof(old_size, new_size)],
    }
