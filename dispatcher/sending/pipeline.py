"""The one job: a contact attempt from the contact log to the provider and back to the log.

    load ─► render ─► compliance verdict ─► claim (queued→sending) ─► send ─► outcome

Each stage takes the previous stage's output and never reaches back. The claim is a
compare-and-set in the contact log, so a job that runs twice, or two workers racing,
send at most once. A send whose outcome is not known (a crash mid-send, a timeout after
the request left) is never resent blindly: it is recorded ``unknown`` and the provider's
callback or the sweep's lookup settles it (see ``dispatcher.sweep``).

Send tries are counted in the contact log (``attempts``, one per claim), not by the job
queue: a retry is the same message queued again under its own job id, so no second
chain of retries can start beside it and ``SEND_MAX_TRIES`` holds whatever the queue does.
"""

from __future__ import annotations

import logging
import time as monotonic_time
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from channels.base import AmbiguousChannelError, PermanentChannelError, TransientChannelError
from compliance import Decision, RuleResult, Verdict
from dispatcher.contactlog.collectors import collector_facts
from dispatcher.contactlog.models import Collector, Message
from dispatcher.domain import PENDING, ChannelKind, ContactResult, EventSource, MessageStatus
from dispatcher.metrics import (
    record_claim,
    record_provider_call,
    record_retry,
    record_send,
    record_verdict,
)
from dispatcher.process.deps import Deps
from dispatcher.sending.crashes import record_crash
from dispatcher.sending.outgoing import outgoing_for
from dispatcher.sending.sending_log import DecisionWindow, DecisionWindowLost
from dispatcher.sending.subject import RenderOutcome, render_message, subject_for
from dispatcher.sending.waiting import debtor_turn, parking_pause
from templates import Rendered

__all__ = [
    "Pipeline",
    "RenderOutcome",
    "process_message",
    "render_message",
    "subject_for",
    "tries_left",
]

log = logging.getLogger(__name__)

HANDED_OVER = frozenset({ChannelKind.SMS, ChannelKind.LETTER})

# Decisions made again when another job's failure rolled the shared window back, at most.
DECISION_TRIES = 3

# arq may start a deferred job a little early; anything earlier than this waits for its own job.
EARLY_TOLERANCE = timedelta(seconds=1)


async def process_message(ctx: dict[str, Any], message_id: str) -> str:
    """The arq job. Returns a short word on what happened, for arq's log."""
    deps: Deps = ctx["deps"]
    try:
        return await Pipeline(deps).run(message_id)
    except Exception as exc:
        await record_crash(deps, message_id, exc)
        raise


class Pipeline:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.log = deps.sending_log

    async def run(self, message_id: str) -> str:
        message = await self.log.get(message_id)
        if message.status not in PENDING:
            return f"nothing to do: {message.status}"
        if message.scheduled_for > self.deps.clock.now() + EARLY_TOLERANCE:
            return "not due yet"

        await self.deps.approvals.refresh()  # at most one read every 2 s per process
        render = render_message(self.deps.catalog, message)
        for lost in range(DECISION_TRIES):
            try:
                decided = await self._decide(message, render)
                break
            except DecisionWindowLost:  # another job's failure rolled our window back
                if lost + 1 == DECISION_TRIES:
                    raise
        if isinstance(decided, str):
            return decided
        outcome, current, verdict, collectors = decided
        if outcome == "deferred":
            assert verdict.until is not None
            await self.deps.queue.offer([(message_id, verdict.until)], now=self.deps.clock.now())
            return f"deferred until {verdict.until.isoformat()}"
        if outcome == "parked":  # woken at its validity's end, to be blocked as expired
            await self.deps.queue.offer(
                [(message_id, current.valid_until)], now=self.deps.clock.now()
            )
            return "parked until the pause is lifted"
        if outcome != "claimed":
            return outcome
        assert render.rendered is not None  # the render rule blocks anything that did not render
        return await self._send(current, render.rendered, collectors)

    async def _decide(
        self, message: Message, render: RenderOutcome
    ) -> str | tuple[str, Message, Verdict, dict[str, Collector]]:
        """The verdict and its record, under the debtor's lock; what happened, or a word
        when the message moved on meanwhile."""
        turn: AbstractAsyncContextManager[object] = (
            nullcontext() if self.log.lines_up_debtors else debtor_turn(message.debtor_ref)
        )
        async with (
            turn,
            self.log.debtor_session(message.debtor_ref, message_id=message.id) as session,
        ):
            current = await session.message(message.id)
            if current is None or current.status not in PENDING:
                return "moved on meanwhile"
            collectors = await session.collectors(current.collector_ids or ())
            subject = subject_for(
                current, render, session, session.debtor, now=self.deps.clock.now(),
                collectors=collector_facts(collectors),
            )  # fmt: skip
            verdict = await self.deps.gate.evaluate(subject)
            outcome, recorded = await self._record(session, current, render.rendered, verdict)
        # Counted once the window has committed: a decision rolled back is made again.
        record_verdict(current.channel, recorded)
        if outcome == "claimed":
            delay = self.deps.clock.now() - current.scheduled_for
            record_claim(current.channel, delay.total_seconds())
        return outcome, current, verdict, collectors

    async def _record(
        self,
        session: DecisionWindow,
        message: Message,
        rendered: Rendered | None,
        verdict: Verdict,
    ) -> tuple[str, Verdict]:
        """Write the verdict, and for an allowed message take its slot (queued → sending):
        what happened, and the verdict as recorded."""
        now = self.deps.clock.now()
        if verdict.decision is Decision.DEFER and message.channel == ChannelKind.VISIT:
            verdict = fixed_time_refused(verdict)
        elif (
            verdict.decision is Decision.DEFER
            and verdict.until
            and verdict.until > message.valid_until
        ):
            verdict = expired(verdict, message.valid_until)
        summary, record = _summary(verdict), verdict.to_json()
        if verdict.decision is Decision.BLOCK:
            await session.move(
                message.id,
                expect=PENDING,
                to=MessageStatus.BLOCKED,
                detail=summary,
                at=now,
                verdict=record,
            )
            return "blocked", verdict
        if verdict.decision is Decision.DEFER:
            # The same rule deferring again (a pause re-checked every few seconds) moves the
            # time on without another event: the log keeps one line per reason, not per poll.
            again = message.status == MessageStatus.DEFERRED and (
                (message.verdict or {}).get("rule_id") == summary["rule_id"]
            )
            parked_by = await parking_pause(session, verdict)
            if parked_by is not None:  # no job until the resume, or its validity's end
                summary["parked_until_resumed"] = parked_by
            await session.move(
                message.id,
                expect=PENDING,
                to=MessageStatus.DEFERRED,
                detail=summary,
                at=now,
                log_event=not again,
                verdict=record,
                scheduled_for=verdict.until if parked_by is None else message.valid_until,
                parked_by=parked_by,
            )
            return ("deferred" if parked_by is None else "parked"), verdict
        assert rendered is not None
        claimed = await session.move(
            message.id,
            expect=PENDING,
            to=MessageStatus.SENDING,
            at=now,
            detail={"attempt": message.attempts + 1, "template_version": rendered.version},
            content=rendered.body,
            segments=rendered.segments.segments if rendered.segments else None,
            template_version=rendered.version,
            verdict=record,
            attempts=message.attempts + 1,
            attempted_at=now,
        )
        # The row was read under the debtor's lock, so this holds; if it ever does not,
        # someone else moved the message and it must not be sent from here.
        if not claimed:
            return "moved on meanwhile", verdict
        return "claimed", verdict

    async def _send(
        self,
        message: Message,
        rendered: Rendered,
        collectors: dict[str, Collector],
    ) -> str:
        channel = self.deps.channels[message.channel]
        outgoing = outgoing_for(
            message, rendered, collectors=collectors, provider=channel.provider,
            settings=self.deps.settings, catalog=self.deps.catalog,
        )  # fmt: skip
        started = monotonic_time.perf_counter()
        try:
            receipt = await channel.send(outgoing)
        except (TransientChannelError, AmbiguousChannelError, PermanentChannelError) as exc:
            took = monotonic_time.perf_counter() - started
            record_provider_call(message.channel, channel.provider, took, exc.code)
            return await self._after_error(message, exc, channel.provider)
        record_provider_call(
            message.channel, channel.provider, monotonic_time.perf_counter() - started
        )
        record_send(message.channel, "sent")

        fields = {"provider": receipt.provider, "provider_message_id": receipt.provider_message_id}
        detail = {**fields, **receipt.detail}
        # A text or letter handed over is its result; a call's or visit's result comes later.
        handed_over = {"result": ContactResult.SENT} if message.channel in HANDED_OVER else {}
        sent = await self.log.transition(
            message.id,
            expect={MessageStatus.SENDING},
            to=MessageStatus.SENT,
            source=EventSource.WORKER,
            detail=detail,
            **fields,
            **handed_over,
        )
        if not sent:  # the provider's callback arrived before us: keep its status
            await self.log.note(
                message.id, source=EventSource.WORKER, detail=detail, **fields, **handed_over
            )
        return f"sent via {receipt.provider}"

    async def _after_error(
        self,
        message: Message,
        exc: TransientChannelError | AmbiguousChannelError | PermanentChannelError,
        provider: str,
    ) -> str:
        if isinstance(exc, TransientChannelError):
            return await self._after_transient_error(message, exc)
        if isinstance(exc, AmbiguousChannelError):
            record_send(message.channel, "unknown")
            return await self._after_ambiguous_error(message, exc)
        record_send(message.channel, "failed")
        await self._fail(message, exc.code, exc.text, retryable=False)
        if exc.recipient_opted_out:
            await self.log.add_hold(
                kind="opt_out",
                channel=message.channel,
                destination=message.destination,
                debtor_ref=message.debtor_ref,
                set_by=f"provider:{provider}",
                source=f"provider:{provider}:{exc.code}",
                reason=exc.text,
            )
        return f"failed: {exc.code}"

    async def _after_transient_error(self, message: Message, exc: TransientChannelError) -> str:
        """The provider did not take it: queue it again after a backoff, while tries last."""
        settings, tries = self.deps.settings, message.attempts + 1  # this claim's try
        if not tries_left(tries, settings.send_max_tries):
            text = f"gave up after {tries} tries: {exc.text}"
            record_send(message.channel, "failed")
            await self._fail(message, exc.code, text, retryable=True)
            return f"failed after {tries} tries: {exc.code}"
        now = self.deps.clock.now()
        retry_at = now + timedelta(seconds=settings.retry_backoff_s * 2 ** (tries - 1))
        requeued = await self.log.transition(
            message.id,
            expect={MessageStatus.SENDING},
            to=MessageStatus.QUEUED,
            source=EventSource.WORKER,
            detail={
                "retry": tries,
                "error_code": exc.code,
                "error_text": exc.text,
                "retry_at": retry_at.isoformat(),
            },
            scheduled_for=retry_at,
            error_code=exc.code,
            error_text=exc.text,
            error_retryable=True,
        )
        record_send(message.channel, "retry")
        if requeued:  # the job id the sweep would give it: one chain of tries, never two
            record_retry(message.channel)
            await self.deps.queue.offer([(message.id, retry_at)], now=now)
        return f"retry at {retry_at.isoformat()}: {exc.code}"

    async def _after_ambiguous_error(self, message: Message, exc: AmbiguousChannelError) -> str:
        """The provider may have taken it: record that we do not know, and resend nothing.
        The provider's callback, or the sweep's lookup after a while, settles it."""
        look_at = self.deps.clock.now() + timedelta(
            seconds=self.deps.settings.provider_lookup_after_s
        )
        text = f"the provider may have taken it: {exc.text}"
        await self.log.transition(
            message.id,
            expect={MessageStatus.SENDING},
            to=MessageStatus.UNKNOWN,
            source=EventSource.WORKER,
            detail={
                "error_code": exc.code,
                "error_text": text,
                "settle": "by the provider's callback, or a lookup at the provider after "
                f"{look_at.isoformat()}; never resent blindly",
            },
            scheduled_for=look_at,
            error_code=exc.code,
            error_text=text,
            error_retryable=False,
        )
        return f"outcome unknown: {exc.code}"

    async def _fail(self, message: Message, code: str, text: str, *, retryable: bool) -> None:
        await self.log.transition(
            message.id,
            expect={MessageStatus.SENDING},
            to=MessageStatus.FAILED,
            source=EventSource.WORKER,
            detail={"error_code": code, "error_text": text, "retryable": retryable},
            error_code=code,
            error_text=text,
            error_retryable=retryable,
        )


def tries_left(tries: int, max_tries: int) -> bool:
    """Whether a message that has been handed to its provider ``tries`` times may try again."""
    return tries < max_tries


def expired(verdict: Verdict, valid_until: datetime) -> Verdict:
    """A deferral past the message's validity becomes a block: it would arrive too late."""
    result = RuleResult.block(
        "message.expired",
        "Company policy: a message is sent within its validity or not at all",
        f"the earliest allowed time {verdict.until:%Y-%m-%d %H:%M} UTC is after the message's "
        f"validity ({valid_until:%Y-%m-%d %H:%M} UTC)",
        valid_until=valid_until.isoformat(),
    )
    return Verdict(Decision.BLOCK, (*verdict.results, result), verdict.evaluated_at)


def fixed_time_refused(verdict: Verdict) -> Verdict:
    """A visit is booked for a set time: a rule that would move it refuses it instead."""
    result = RuleResult.block(
        "visit.fixed_time",
        "A visit happens at the time agreed with the collectors, or not at all",
        f"the visit's time is not allowed; the earliest allowed time is "
        f"{verdict.until:%Y-%m-%d %H:%M} UTC: book the visit again for then or later",
        earliest_allowed=verdict.until.isoformat() if verdict.until else None,
    )
    return Verdict(Decision.BLOCK, (*verdict.results, result), verdict.evaluated_at)


def _summary(verdict: Verdict) -> dict[str, Any]:
    deciding = verdict.deciding
    return {
        "decision": verdict.decision.value,
        "rule_id": deciding.rule_id if deciding else None,
        "reason": deciding.reason if deciding else None,
        "until": verdict.until.isoformat() if verdict.until else None,
    }
