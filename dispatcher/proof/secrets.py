"""Per-debtor secrets: the keys personal fields are committed under in sealed leaves.

Made by the seal when it first meets a debtor (never on the send path); destroyed by
retention. A debtor met again after destruction gets a new secret: each leaf names the
secret it used (``audit_leaves.secret_id``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dispatcher.contactlog.models import DebtorSecret

__all__ = ["live_secrets", "secrets_by_id"]


async def live_secrets(
    conn: AsyncConnection, debtor_refs: Iterable[str], *, now: datetime
) -> dict[str, tuple[int, bytes]]:
    """The live secret of each debtor (``""``: entries that name none), made if missing."""
    wanted = set(debtor_refs)
    found = await _live(conn, wanted)
    missing = wanted - found.keys()
    if missing:
        await conn.execute(
            insert(DebtorSecret),
            [{"debtor_ref": ref, "secret": secrets.token_bytes(32), "created_at": now}
             for ref in sorted(missing)],
        )  # fmt: skip
        found.update(await _live(conn, missing))
    return found


async def _live(conn: AsyncConnection, refs: set[str]) -> dict[str, tuple[int, bytes]]:
    found: dict[str, tuple[int, bytes]] = {}
    ordered = sorted(refs)
    for start in range(0, len(ordered), 1000):
        rows = await conn.execute(
            select(DebtorSecret.id, DebtorSecret.debtor_ref, DebtorSecret.secret)
            .where(
                DebtorSecret.debtor_ref.in_(ordered[start : start + 1000]),
                DebtorSecret.secret.is_not(None),
            )
            .order_by(DebtorSecret.id)
        )
        for secret_id, ref, secret in rows:
            if secret is not None:  # the oldest live one, if two sealers raced
                found.setdefault(ref, (secret_id, secret))
    return found


async def secrets_by_id(conn: AsyncConnection) -> dict[int, bytes | None]:
    """Every secret by id; None for a destroyed one."""
    rows = await conn.execute(select(DebtorSecret.id, DebtorSecret.secret))
    return {secret_id: secret for secret_id, secret in rows}
