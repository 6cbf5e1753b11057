"""The pipeline's real contact log seals and verifies: every message row agrees with its
last event, and the worker's own cron job seals (issue 11). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from dispatcher.proof.seal import seal_cron, seal_pending
from dispatcher.proof.verify import verify_log
from tests.dispatcher.conftest import Stack, reminder


async def test_a_delivered_batch_seals_and_verifies(stack: Stack) -> None:
    accepted = await stack.client.send_many(
        [reminder(idempotency_key=f"sealed-{i}", debtor_ref=f"D-{i}") for i in range(8)]
    )
    await stack.run_worker()
    await stack.twilio.wait_for_callbacks()
    key = Ed25519PrivateKey.generate()
    later = max(stack.clock.now(), datetime.now(UTC)) + timedelta(hours=1)  # all settled
    sealed = await seal_pending(stack.log.engine, key, now=later)
    assert sealed and sealed[-1].tree_size >= 3 * len(accepted)  # queued, sending, sent at least

    report = await verify_log(stack.log.engine, key.public_key())
    assert report.findings == []
    assert report.unsealed == 0


async def test_the_workers_cron_job_seals_with_the_embedded_key(stack: Stack) -> None:
    await stack.send(idempotency_key="sealed-by-cron")
    await stack.run_worker()

    class Later:  # the clock a minute on: every event is past the seal's lag
        def now(self):  # type: ignore[no-untyped-def]
            return max(stack.clock.now(), datetime.now(UTC)) + timedelta(minutes=1)

    deps = type("DepsView", (), {"settings": stack.settings, "log": stack.log, "clock": Later()})
    ctx = {"deps": deps}
    assert (await seal_cron(ctx)).startswith("sealed up to checkpoint 1")
    assert (stack.settings.data_dir / "audit-signing.key").exists()
    public = ctx["audit_signing_key"].public_key()  # type: ignore[attr-defined]
    assert (await verify_log(stack.log.engine, public)).ok


async def test_an_edited_content_after_sending_is_named(stack: Stack) -> None:
    message_id = await stack.send(idempotency_key="sealed-content")
    await stack.run_worker()
    await stack.twilio.wait_for_callbacks()
    key = Ed25519PrivateKey.generate()
    later = max(stack.clock.now(), datetime.now(UTC)) + timedelta(hours=1)
    await seal_pending(stack.log.engine, key, now=later)
    async with stack.log.engine.begin() as conn:  # as an insider would, in psql
        await conn.execute(
            text("UPDATE messages SET content = '篡改' WHERE id = :m"), {"m": message_id}
        )
    report = await verify_log(stack.log.engine, key.public_key())
    assert [(f.kind, f.subject) for f in report.findings] == [("content", f"message {message_id}")]
