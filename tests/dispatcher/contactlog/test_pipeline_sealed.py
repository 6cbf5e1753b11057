"""The pipeline's real contact log seals and verifies: every message row agrees with its
last event, and the worker's own cron job seals (issue 11). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from dispatcher.contactlog.digests import verdict_digest
from dispatcher.contactlog.transitions import move
from dispatcher.domain import EventSource, MessageStatus
from dispatcher.pauses.state import PauseStore
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
    # The worker's own run may have sealed a first checkpoint already (its cron fires every
    # 10 s): what counts is that this one seals what is left, with the embedded key.
    assert re.fullmatch(r"sealed up to checkpoint \d+ \(\d+ entries\)", await seal_cron(ctx))
    assert (stack.settings.data_dir / "audit-signing.key").exists()
    public = ctx["audit_signing_key"].public_key()  # type: ignore[attr-defined]
    report = await verify_log(stack.log.engine, public)
    assert report.ok and report.unsealed == 0


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


async def test_a_repeated_deferral_verifies_and_an_edited_verdict_is_named(stack: Stack) -> None:
    """The same rule deferring again moves the row's verdict on without an event: verify
    accepts it (the rule is the one the event recorded); an edited verdict is named."""
    await PauseStore(stack.log.engine, stack.clock).pause(
        scope="all", target=None, reason="drill", by="admin:ops"
    )
    deferred = await stack.send(idempotency_key="sealed-deferred")
    other = await stack.send(idempotency_key="sealed-other", debtor_ref="D-2")
    await stack.run_worker()
    view = await stack.view(deferred)
    again = {**view.message["verdict"], "evaluated_at": "2026-11-30T13:31:00+00:00"}
    async with stack.log.engine.begin() as conn:  # the pipeline's move when the pause holds
        await move(
            conn, deferred, expect=[MessageStatus.DEFERRED], to=MessageStatus.DEFERRED,
            source=EventSource.WORKER, detail={}, at=stack.clock.now(),
            changes={"verdict": again}, log_event=False,
        )  # fmt: skip
    view = await stack.view(deferred)
    (recorded,) = [e.detail["verdict_sha256"] for e in view.events if e.status == "deferred"]
    assert verdict_digest(view.message["verdict"]) != recorded  # moved on without an event
    key = Ed25519PrivateKey.generate()
    later = max(stack.clock.now(), datetime.now(UTC)) + timedelta(hours=1)
    await seal_pending(stack.log.engine, key, now=later)
    assert (await verify_log(stack.log.engine, key.public_key())).findings == []

    async with stack.log.engine.begin() as conn:  # as an insider would, in psql
        await conn.execute(
            text("""UPDATE messages SET verdict = '{"decision": "allow"}' WHERE id = :m"""),
            {"m": other},
        )
    report = await verify_log(stack.log.engine, key.public_key())
    assert [(f.kind, f.subject) for f in report.findings] == [("verdict", f"message {other}")]
