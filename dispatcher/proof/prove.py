"""Inclusion proofs of one message's events against the latest checkpoint, as JSON that
``verify_proof`` (or anyone with the public key) checks without the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf, MessageEvent
from dispatcher.proof.kinds import MESSAGE_EVENT
from dispatcher.proof.leaves import entry_bytes
from dispatcher.proof.merkle import MerkleTree
from dispatcher.proof.seal import checkpoint_from_row

__all__ = ["NothingSealed", "prove_message"]


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
        hashes = bytearray()  # 32 MB for a million leaves, not a million small objects
        result = await conn.stream(
            select(AuditLeaf.leaf_hash)
            .where(AuditLeaf.leaf_index < checkpoint.tree_size)
            .order_by(AuditLeaf.leaf_index)
            .execution_options(yield_per=10_000)
        )
        async for partition in result.partitions():
            for (hashed,) in partition:
                hashes += hashed
        tree = MerkleTree(bytes(hashes))
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
