"""Trial 9: letters, where a fault can bite — a letter printed twice is posted twice.

Letters go through ``LETTER_PROVIDER=lob`` to a faulty fake Lob in a process of its own
(``faulty_lob``), which honours ``Idempotency-Key`` as Lob does: a key seen before
returns the letter it created and prints nothing more. Its tracking events
(``letter.mailed``) come back by signed webhook a moment after each create's answer.
At once, on one batch:

- **A timeout after the letter was created**: the fake creates it, then holds its answer
  past the client's 30 s timeout. The retry carries the same key and gets the same letter.
- **Workers SIGKILLed mid-batch** (two rounds, two workers each) while the fake holds the
  creates of their letters (some created, some not).
- **Refusals** (503, 500) before anything is created: retried within the limit of tries.

Per letter of ours: the fake created at most one, nothing is recorded sent that it did
not create, nothing is left queued or sending, and every worker not killed is alive.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from dispatcher.enqueue.requests import MessageRequest
from tests.channels.letters.samples import VARIABLES
from tests.faults.checker import LoggedMessage, TrialReport, check_trial, read_log
from tests.faults.faulty_lob import REPLAYED
from tests.faults.faulty_twilio import FaultPlan
from tests.faults.harness import PrivateServers, Trial, open_trial
from tests.faults.lob_process import LobProcess
from tests.faults.provider import ProviderRecords

pytestmark = pytest.mark.faults

API_KEY = "test_faults_0123456789abcdef0123456789ab"
WEBHOOK_SECRET = "whsec_faults_0123456789"
# LobStyleLetters gives up on an answer after 30 s (the dispatcher keeps its default);
# the fake holds it longer.
PAST_CLIENT_TIMEOUT_S = 32.0
# A send still "sending" this long is a crashed one (production: 900 s). Past the
# client's timeout, as in production, so that the sweep leaves a slow answer to its worker.
SENDING_TIMEOUT_S = "37"
HELD_S = 8.0  # the kill rounds' creates are held this long: the kills find them in flight
TIMEOUTS, PER_KILL_ROUND, KILL_ROUNDS, REFUSED = 8, 8, 2, 12
# Each worker takes this many jobs at once: the first two are full with the held letters,
# so each kill round's letters go to that round's workers, and every kill bites.
MAX_JOBS = TIMEOUTS // 2
assert MAX_JOBS * 2 == PER_KILL_ROUND
# Who first moved each letter to each status (a later event of the same status is a note).
MOVES_BY_SOURCE = """
SELECT e.source, e.status, count(*) FROM message_events e
WHERE e.id = (SELECT min(f.id) FROM message_events f
              WHERE f.message_id = e.message_id AND f.status = e.status)
GROUP BY e.source, e.status
"""
TOTAL = TIMEOUTS + KILL_ROUNDS * PER_KILL_ROUND + REFUSED


def letters(run: str, count: int, *, first: int) -> list[MessageRequest]:
    """``count`` first notices, each to a debtor and a US address of its own."""
    return [
        MessageRequest(
            channel="letter", template="first_notice", locale="en-US", destination="",
            debtor_ref=f"{run}-D{i}", account_ref=f"{run}-A{i}",
            idempotency_key=f"{run}:letter:{i}", variables=dict(VARIABLES["en-US"]),
            address={"name": "Maria Q. Sample", "country": "US",
                     "lines": [f"{100 + i} Elm Street", "Springfield, IL 62704"]},
        )
        for i in range(first, first + count)
    ]  # fmt: skip


async def wait_for(what: str, done: Callable[[], Awaitable[bool]], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await done():
        if time.monotonic() > deadline:
            raise AssertionError(f"never {what} within {timeout_s} s")
        await asyncio.sleep(0.1)


async def creates_reached(lob: LobProcess, count: int) -> bool:
    """Whether ``count`` letters of ours have reached the fake (created or not)."""
    return len((await lob.records()).requests_by_message()) >= count


async def kill_round(trial: Trial, lob: LobProcess, first: int) -> None:
    """Two fresh workers take a batch (the others are full) and are SIGKILLed while the
    fake holds its creates."""
    crew = trial.start_workers(2)
    await trial.enqueue(letters(trial.run, PER_KILL_ROUND, first=first))
    await wait_for(
        "the round's letters at the fake",
        lambda: creates_reached(lob, first + PER_KILL_ROUND),
        timeout_s=30,
    )
    for started in crew:
        trial.kill(started)


async def moves_by_source(trial: Trial) -> dict[str, int]:
    """How many letters each source moved to each status ("webhook:sent": 3): a letter its
    worker never heard back about is moved by the sweep or by its tracking event."""
    async with trial.engine.connect() as conn:
        rows = await conn.execute(text(MOVES_BY_SOURCE))
        return {f"{row[0]}:{row[1]}": int(row[2]) for row in rows}


async def letter_numbers(
    trial: Trial, lob: LobProcess, records: ProviderRecords, logged: dict[str, LoggedMessage]
) -> str:
    """What the summary line adds for letters: what the fake did, and who settled what."""
    faults = Counter(c.fault.split(":")[0] for c in records.creates)
    moved_by = await moves_by_source(trial)
    created = records.created_by_message()
    never_posted = [m for m in logged.values() if m.status == "unknown" and not created.get(m.id)]
    for message in never_posted:  # allowed (ambiguity recorded as such); shown for the record
        print(f"  unknown, and no letter at the fake: {message.id}: {message.error_text}")
    webhooks, refused_webhooks = await lob.webhook_counts()
    return (
        f"letters_created={len(records.owner_of())} faults={dict(sorted(faults.items()))} "
        f"webhooks={webhooks} webhooks_not_taken={refused_webhooks} "
        f"sent_by_webhook={moved_by.get('webhook:sent', 0)} "
        f"unknown_by_sweep={moved_by.get('sweep:unknown', 0)} "
        f"unknown_never_created={len(never_posted)}"
    )


async def check_letters(trial: Trial, lob: LobProcess, summaries: list[str]) -> TrialReport:
    """The suite's check, against what the fake Lob received and created."""
    records, logged = await lob.records(), await read_log(trial.engine)
    report = check_trial(
        trial.name,
        logged,
        records,
        send_max_tries=trial.settings.send_max_tries,
        kills=trial.kills,
        dead_workers=[s.name for s in trial.processes.died_unexpectedly()],
    )
    for started in trial.processes.died_unexpectedly():
        report.details[started.name] = trial.processes.log_tail(started)
    line = f"{report.summary()} {await letter_numbers(trial, lob, records, logged)}"
    summaries.append(line)
    print(line)
    failures = report.failures()
    assert not failures, line + "\n" + "\n".join(failures)
    return report


async def test_letters_are_never_printed_twice_after_a_timeout_a_kill_or_a_refusal(
    private_servers: PrivateServers, tmp_path: Path, summaries: list[str]
) -> None:
    lob = LobProcess(tmp_path / "lob.log", api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    settings = {
        "LETTER_PROVIDER": "lob", "LOB_API_KEY": API_KEY, "LOB_API_BASE_URL": lob.base_url + "/v1",
        "LOB_WEBHOOK_SECRET": WEBHOOK_SECRET, "SENDING_TIMEOUT_S": SENDING_TIMEOUT_S,
        "WORKER_MAX_JOBS": str(MAX_JOBS),
    }  # fmt: skip
    try:
        async with asyncio.timeout(150):
            async with open_trial(private_servers, "letters", tmp_path, settings=settings) as trial:
                url = trial.world.env["PUBLIC_BASE_URL"] + "/webhooks/lob/events"
                await lob.webhooks(url, delay_s=1.0)
                # (a) created, then the answer held past the client's timeout
                await lob.plan(FaultPlan("create_then_hold", hold_s=PAST_CLIENT_TIMEOUT_S))
                await trial.enqueue(letters(trial.run, TIMEOUTS, first=0))
                await wait_for(
                    "the held letters created", lambda: creates_reached(lob, TIMEOUTS),
                    timeout_s=30,
                )  # fmt: skip
                # (c) SIGKILLs mid-batch, while the fake holds creates (some made, some not)
                held = FaultPlan("create_then_hold", per_message=1, hold_s=HELD_S)
                await lob.plan(replace(held, kind="hold_before", rate=0.4), held)
                for round_ in range(KILL_ROUNDS):
                    await kill_round(trial, lob, TIMEOUTS + round_ * PER_KILL_ROUND)
                # (b) refusals before anything is created, on workers of their own
                trial.start_workers(2)
                await lob.plan(
                    FaultPlan("refuse", status=503, rate=0.5, per_message=2),
                    FaultPlan("refuse", status=500, rate=0.5, per_message=1),
                )
                await trial.enqueue(
                    letters(trial.run, REFUSED, first=TIMEOUTS + KILL_ROUNDS * PER_KILL_ROUND)
                )
                await trial.settle(timeout_s=100, unknown_quiet_s=5)
                report = await check_letters(trial, lob, summaries)
                replays = [c for c in (await lob.records()).creates if c.fault.startswith(REPLAYED)]
    finally:
        await lob.close_session()
        lob.stop()

    assert report.messages == TOTAL
    assert report.kills == 2 * KILL_ROUNDS
    # every letter held past the timeout was asked for again, with its key, and got its letter
    assert len({c.our_id for c in replays}) >= TIMEOUTS
