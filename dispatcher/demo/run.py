"""`dispatcher demo`: the whole pipeline on the embedded default, start to finish.

Creates the contact log, loads sample debtors (Chinese and English), enqueues a batch
of reminders through the Python client — with a collector's call, a letter and visits —
runs a worker until the queue is empty, and prints what the contact log says happened
to each.
"""

from __future__ import annotations

import shutil
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from compliance.hours.zones import UnknownLocation, debtor_zones
from dispatcher.client import DispatcherClient, MessageView
from dispatcher.contactlog.migrate import upgrade
from dispatcher.contactlog.store import Accepted
from dispatcher.demo.channels import channel_requests, promise_after_the_call, register_collectors
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.i18n import format_local, format_utc, translate
from dispatcher.i18n.verdicts import explain_results
from dispatcher.process.runtime import redis_url_for
from dispatcher.process.worker import create_worker
from dispatcher.settings import Settings

__all__ = ["run_demo"]

COMPANY = {"zh-CN": "安信资产", "en-US": "Harbor Recovery"}
CONTACT = {"zh-CN": "400-820-1234", "en-US": "(800) 555-0199"}

# (debtor, name, phone, locale, amount, days overdue)
DEBTORS = [
    ("D-1001", "王伟", "+86 138 0013 8000", "zh-CN", "3250.00", 12),
    ("D-1002", "李娜", "+86 139 1234 5678", "zh-CN", "18600.50", 45),
    ("D-1003", "张敏", "+86 186 0000 1234", "zh-CN", "799.90", 5),
    ("D-2001", "Maria Garcia", "+1 201 555 0123", "en-US", "1240.00", 31),
    ("D-2002", "James Smith", "+1 415 555 0134", "en-US", "560.75", 9),
    ("D-2003", "Linda Chen", "+1 617 555 0147", "en-US", "2210.00", 64),
]
OPTED_OUT = "+14155550134"  # James Smith replied STOP earlier: his text must be blocked


def _requests(bulk: int) -> list[MessageRequest]:
    requests = []
    for i in range(max(bulk, len(DEBTORS))):
        debtor, name, phone, locale, amount, days = DEBTORS[i % len(DEBTORS)]
        round_ = i // len(DEBTORS)
        requests.append(
            MessageRequest(
                channel="sms",
                template="overdue_reminder",
                locale=locale,
                destination=phone,
                debtor_ref=debtor if round_ == 0 else f"{debtor}-{round_}",
                account_ref=f"A-{debtor[2:]}",
                idempotency_key=f"demo:{debtor}:{round_}:overdue",
                variables={
                    "company_name": COMPANY[locale],
                    "debtor_name": name,
                    "amount": amount,
                    "currency": "CNY" if locale == "zh-CN" else "USD",
                    "due_date": "2026-11-15",
                    "days_overdue": days,
                    "contact_phone": CONTACT[locale],
                },
            )
        )
    return requests


async def run_demo(settings: Settings, *, bulk: int = 200) -> None:
    settings = _demo_settings(settings)
    with redis_url_for(settings) as redis_url:
        client = await DispatcherClient.connect(settings, redis_url=redis_url)
        async with client:
            outcome = await _run_pipeline(client, settings, redis_url=redis_url, bulk=bulk)
    _print_timings(outcome)
    _print_reminders(outcome.reminders)
    _print_other_channels(outcome.other_channels, outcome.promise)
    _print_totals(outcome.reminders)
    _print_where_it_went(settings)


@dataclass(frozen=True)
class _Outcome:
    """What the run did, printed once the client and the embedded Redis are closed."""

    accepted: list[Accepted]
    accepted_again: list[Accepted]
    enqueued_s: float
    worked_s: float
    reminders: list[MessageView]
    other_channels: list[MessageView]
    promise: str


def _demo_settings(settings: Settings) -> Settings:
    """The demo's settings; on the embedded default, its own data directory, emptied."""
    if not settings.database_url:  # the embedded default: start from a clean slate each run
        settings = replace(settings, data_dir=settings.data_dir / "demo")
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    if settings.letter_provider == "outbox":  # show a real PDF, as the print room gets it
        settings = replace(settings, letter_provider="print_room")
    return settings


async def _run_pipeline(
    client: DispatcherClient, settings: Settings, *, redis_url: str, bulk: int
) -> _Outcome:
    await _prepare_contact_log(client)
    now = client.log.clock.now()
    await register_collectors(client, now.date())
    other_requests = await channel_requests(client, now)
    requests = _requests(bulk)
    # One message is scheduled for later: it stays queued, with its time.
    requests.append(
        replace(
            requests[0],
            idempotency_key="demo:D-1001:later",
            send_after=client.log.clock.now() + timedelta(hours=2),
        )
    )
    started = time.perf_counter()
    accepted = await client.send_many(requests)
    enqueued_s = time.perf_counter() - started
    accepted_again = await client.send_many(requests)
    # The expired collector's call is let through to show the gate refusing it.
    others = await client.send_many(other_requests, refuse_early=False)
    worked_s = await _work_until_idle(settings, redis_url=redis_url)
    reminders = [await client.get(a.message_id) for a in accepted]
    promise = await promise_after_the_call(client, others[0].message_id, now.date())
    other_channels = [await client.get(a.message_id) for a in others]
    return _Outcome(
        accepted=accepted,
        accepted_again=accepted_again,
        enqueued_s=enqueued_s,
        worked_s=worked_s,
        reminders=reminders,
        other_channels=other_channels,
        promise=promise,
    )


async def _prepare_contact_log(client: DispatcherClient) -> None:
    await upgrade(client.log.engine)
    await client.log.add_hold(
        kind="opt_out",
        channel="sms",
        destination=OPTED_OUT,
        debtor_ref="D-2002",
        set_by="demo",
        source="inbound:STOP",
        reason="replied STOP",
    )


async def _work_until_idle(settings: Settings, *, redis_url: str) -> float:
    """Seconds one worker takes to empty the queue."""
    worker = create_worker(settings, redis_url=redis_url, poll_delay=0.005, handle_signals=False)
    started = time.perf_counter()
    await worker.run_until_idle()
    return time.perf_counter() - started


def _print_timings(outcome: _Outcome) -> None:
    accepted, enqueued_s, worked_s = outcome.accepted, outcome.enqueued_s, outcome.worked_s
    new_again = sum(a.created for a in outcome.accepted_again)
    print(
        f"\nEnqueued {len(accepted)} messages in one call: {enqueued_s * 1000:.0f} ms "
        f"({len(accepted) / enqueued_s:,.0f}/s)."
    )
    print(f"Enqueued the same batch again: {new_again} new messages (idempotency keys).")
    print(f"Worker processed them in {worked_s:.2f} s ({len(accepted) / worked_s:,.0f}/s).\n")


def _print_reminders(views: list[MessageView]) -> None:
    """The first reminder to each debtor, and the one scheduled for later."""
    shown = views[: len(DEBTORS)] + views[-1:]
    _print_table(
        ["message", "debtor", "locale", "to", "status", "provider", "why / when"],
        [
            [
                v.message["id"][-8:],
                v.message["debtor_ref"],
                v.message["locale"],
                _mask(v.message["destination"]),
                v.status,
                v.message["provider"] or "",
                _why(v.message),
            ]
            for v in shown
        ],
    )


def _print_other_channels(views: list[MessageView], promise: str) -> None:
    print("\nA collector's call, one by a collector whose credential expired, a letter, and "
          "two visits:")  # fmt: skip
    _print_table(
        ["message", "channel", "collector(s)", "status", "provider", "why / when"],
        [
            [
                v.message["id"][-8:],
                v.message["channel"],
                ", ".join(v.message["collector_ids"] or ()),
                v.status,
                v.message["provider"] or "",
                _why(v.message),
            ]
            for v in views
        ],
    )
    print(f"After the call: {promise}")


def _print_totals(views: list[MessageView]) -> None:
    totals = Counter(v.status for v in views)
    print("\nAll messages by status: " + ", ".join(f"{s} {n}" for s, n in sorted(totals.items())))
    sent = next((v for v in views if v.message["content"]), None)
    if sent is not None:
        print(f"First text, as sent: {sent.message['content']}")


def _print_where_it_went(settings: Settings) -> None:
    """Where to look: the contact log, the outboxes, the letter's PDF."""
    print(f"Contact log: {settings.effective_database_url}")
    if not settings.twilio_configured:
        print(
            f"No Twilio credentials: texts went to the local outbox "
            f"{settings.data_dir / 'outbox.jsonl'} (status 'sent', provider 'outbox'), "
            f"calls to {settings.data_dir / 'outbox-voice.jsonl'}."
        )
    letters = sorted((settings.print_room_dir or settings.data_dir / "print-room").rglob("*.pdf"))
    if letters:
        print(f"The letter, as the print room gets it: {letters[0]}")


def _why(message: dict[str, object]) -> str:
    """Why a message stands where it does, in its own language and on its debtor's clock."""
    verdict = message.get("verdict")
    locale = str(message.get("locale") or "en-US")
    if message["status"] in ("blocked", "deferred") and isinstance(verdict, dict):
        deciding = next(iter(explain_results(verdict, locale, None)), None)
        if deciding is None:
            return str(verdict["rule_id"])
        if deciding.until_local:
            return f"{deciding.rule_id} → {deciding.until_local}"
        return _shorten(f"{deciding.rule_id}: {deciding.text}", 90)
    if message["status"] == "queued" and isinstance(message["scheduled_for"], datetime):
        zone = _zone_of(message)
        when = (
            format_local(message["scheduled_for"], zone, locale)
            if zone
            else (format_utc(message["scheduled_for"], locale))
        )
        return translate(locale, "common.message.scheduled", when=when)
    if message["error_code"]:
        return f"{message['error_code']}: {message['error_text']}"
    return ""


def _zone_of(message: dict[str, object]) -> str | None:
    """The zone the gate decided in; before any verdict, the number's, when it has one."""
    verdict = message.get("verdict")
    zone = verdict.get("time_zone") if isinstance(verdict, dict) else None
    if isinstance(zone, str):
        return zone
    try:
        zones, _ = debtor_zones(str(message["destination"]), None)
    except UnknownLocation:  # a number no zone can be told from: shown in UTC, saying so
        return None
    return zones[0] if len(zones) == 1 else None


def _shorten(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _mask(phone: str) -> str:
    return phone[:-4].rstrip() + "****" if len(phone) > 6 else "****"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = (cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
