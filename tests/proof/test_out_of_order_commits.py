"""On PostgreSQL an event can become visible before one with a smaller id commits. The
seal must not seal past the one still in flight, nor call it a gap while it is young."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.contactlog.models import MessageEvent
from dispatcher.proof.seal import seal_pending
from dispatcher.proof.verify import verify_log
from tests.proof.logdata import START, add_messages

KEY = Ed25519PrivateKey.generate()


def event(seconds: float) -> dict[str, object]:
    return {"message_id": f"M{0:025d}", "at": START + timedelta(seconds=seconds),
            "source": "worker", "status": "sent", "detail": {}}  # fmt: skip


# PostgreSQL only: SQLite commits one writer at a time, so its ids become visible in order.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_later_id_committed_first_waits_for_the_earlier(engine: AsyncEngine) -> None:
    await add_messages(engine, 1)  # events 1..3
    async with engine.connect() as slow:
        transaction = await slow.begin()
        await slow.execute(insert(MessageEvent), [event(10)])  # id 4, not committed yet
        async with engine.begin() as fast:
            await fast.execute(insert(MessageEvent), [event(11)])  # id 5, committed
        # Event 5 is younger than the lag (30 s) at "now": event 4 may still commit.
        sealed = await seal_pending(engine, KEY, now=START + timedelta(seconds=35))
        assert [c.last_event_id for c in sealed] == [3]
        assert sealed[0].gaps == ()
        await transaction.commit()
    later = await seal_pending(engine, KEY, now=START + timedelta(seconds=120))
    assert [(c.last_event_id, c.gaps) for c in later] == [(5, ())]
    assert (await verify_log(engine, KEY.public_key())).ok
