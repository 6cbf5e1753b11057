"""Sealing: committed appends are added to the Merkle tree in blocks, one signed
checkpoint per block.

Every registered kind (dispatcher/proof/kinds.py) has its own cursor: its table is read in
its own order, so writers of different tables share no sequence, no lock and no journal
row — nothing on the send path waits for the seal or for each other. A block takes each
kind's settled rows and merges them by time into one leaf order: the leaf index is the one
global sequence, decided once, when sealed, and signed.

Sealing never holds a lock the writers wait for: it reads committed rows afterwards, and
writes only its own tables in short transactions. Two sealers at once cannot both
succeed: the checkpoint's number (and its predecessor's hash) are unique.

Ids are taken when a row is inserted but become visible when its transaction commits, so
id 101 can be visible while id 100 is still in flight. Only a prefix that cannot change
is sealed: rows older than ``lag`` (the longest a write transaction may stay open),
stopping at the first younger one. A missing id followed by a row older than the lag
was rolled back (its transaction would have had to stay open longer than the lag): it is
recorded in the checkpoint as a gap. A closing ("time" kinds: a hold lifted) is sealed
once its time is older than the lag.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dispatcher.contactlog.models import AuditCheckpoint, AuditLeaf
from dispatcher.proof.checkpoint import (
    GENESIS,
    Checkpoint,
    Cursor,
    key_id,
    load_signing_key,
    sign,
)
from dispatcher.proof.kinds import KINDS, MESSAGE_EVENT, SealedKind
from dispatcher.proof.leaves import commitment, entry_bytes
from dispatcher.proof.merkle import CompactRange, leaf_hash
from dispatcher.proof.secrets import live_secrets

if TYPE_CHECKING:
    from dispatcher.process.deps import Deps

__all__ = [
    "BLOCK",
    "LAG",
    "VERSION",
    "Block",
    "checkpoint_from_row",
    "seal_block",
    "seal_cron",
    "seal_pending",
    "settled_prefix",
]

log = logging.getLogger(__name__)

LAG = timedelta(seconds=30)
BLOCK = 10_000  # rows per kind per checkpoint at most
VERSION = 2  # the leaf format sealed now (leaves.py)


@dataclass(frozen=True)
class Block:
    """The rows of one kind one checkpoint seals, and the ids skipped as never committed."""

    rows: list[Any]
    gaps: list[int]
    last_event_id: int


def checkpoint_from_row(row: Any) -> Checkpoint:
    cursors = row.cursors or {}
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
        cursors=tuple(Cursor.parse(kind, cursors[kind]) for kind in sorted(cursors)),
    )


def settled_prefix(rows: Sequence[Any], after: int, cutoff: datetime, at: str = "at") -> Block:
    """The rows of ``rows`` (in id order, all after ``after``) that can be sealed now."""
    taken: list[Any] = []
    gaps: list[int] = []
    expected = after + 1
    for row in rows:
        if getattr(row, at) > cutoff:
            break  # too young: an id before it may still commit
        gaps.extend(range(expected, row.id))
        taken.append(row)
        expected = row.id + 1
    return Block(taken, gaps, expected - 1)


def cursor_of(latest: Checkpoint | None, kind: SealedKind) -> Cursor:
    if latest is None:
        return Cursor(kind.name)
    if kind is MESSAGE_EVENT:
        return Cursor(kind.name, last=latest.last_event_id)
    return latest.cursor(kind.name) or Cursor(kind.name)


async def settled_rows(
    conn: AsyncConnection, kind: SealedKind, cursor: Cursor, cutoff: datetime, block: int
) -> tuple[list[Any], Cursor]:
    """The rows of ``kind`` this block seals, and the kind's cursor after them."""
    at = kind.table.c[kind.at]
    if kind.cursor == "time":
        query = kind.select().where(at.is_not(None), at <= cutoff)
        if cursor.until is not None:
            query = query.where(at > cursor.until)
        rows = (await conn.execute(query.order_by(at, kind.table.c.id))).all()
        return rows, Cursor(kind.name, until=cutoff)
    id_ = kind.table.c.id
    query = kind.select().where(id_ > cursor.last).order_by(id_).limit(block)
    found = settled_prefix((await conn.execute(query)).all(), cursor.last, cutoff, kind.at)
    return found.rows, Cursor(kind.name, last=found.last_event_id, gaps=tuple(found.gaps))


async def seal_block(
    engine: AsyncEngine, key: Ed25519PrivateKey, *, now: datetime,
    lag: timedelta = LAG, block: int = BLOCK,
) -> Checkpoint | None:  # fmt: skip
    """Seal the next block of settled rows; None if there is none (or another sealer
    took it first)."""
    cutoff = now - lag
    taken: dict[str, list[Any]] = {}
    cursors: dict[str, Cursor] = {}
    async with engine.connect() as conn:
        latest_row = (
            await conn.execute(
                select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.number.desc()).limit(1)
            )
        ).first()
        latest = checkpoint_from_row(latest_row) if latest_row else None
        for kind in KINDS:
            rows, cursors[kind.name] = await settled_rows(
                conn, kind, cursor_of(latest, kind), cutoff, block
            )
            taken[kind.name] = rows
    if not any(taken.values()):
        return None
    async with engine.begin() as conn:
        secrets = await live_secrets(
            conn, {row.debtor_of_row or "" for rows in taken.values() for row in rows}, now=now
        )
    compact = CompactRange(
        latest_row.tree_size if latest_row else 0,
        [bytes.fromhex(h) for h in latest_row.frontier] if latest_row else [],
    )
    leaves = []
    for _at, leaf in heapq.merge(*(_leaves(kind, taken[kind.name], secrets) for kind in KINDS),
                                key=lambda pair: pair[0]):  # fmt: skip
        leaves.append({**leaf, "leaf_index": compact.size})
        compact.append(leaf["leaf_hash"])
    events = cursors.pop(MESSAGE_EVENT.name)
    checkpoint = sign(
        Checkpoint(
            number=latest.number + 1 if latest else 1,
            tree_size=compact.size,
            root=compact.root().hex(),
            at=now,
            previous=latest.hash() if latest else GENESIS,
            last_event_id=events.last,
            gaps=events.gaps,
            key_id=key_id(key.public_key()),
            cursors=tuple(sorted(cursors.values(), key=lambda cursor: cursor.kind)),
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


def _leaves(
    kind: SealedKind, rows: list[Any], secrets: dict[str, tuple[int, bytes]]
) -> list[tuple[datetime, dict[str, Any]]]:
    """Each row's leaf (without its index), with the time it is merged by."""
    leaves = []
    for row in rows:
        public, personal = kind.fields(row)
        secret_id, committed = None, None
        if personal:
            secret_id, secret = secrets[row.debtor_of_row or ""]
            committed = commitment(kind, row.id, personal, secret)
        data = entry_bytes(
            kind, row, entry_id=row.id, version=VERSION, committed=committed, public=public
        )
        leaves.append((
            getattr(row, kind.at),
            {"kind": kind.name, "event_id": row.id, "version": VERSION, "secret_id": secret_id,
             "commitment": committed, "leaf_hash": leaf_hash(data)},
        ))  # fmt: skip
    return leaves


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
        "cursors": {cursor.kind: cursor.text() for cursor in checkpoint.cursors},
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
