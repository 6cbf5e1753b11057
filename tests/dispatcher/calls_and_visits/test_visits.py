"""Visits: planned as messages, the notice texted to each collector, the outcome recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.base import (
    ChannelError,
    CollectorContact,
    DeliveryStatus,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    TransientChannelError,
)
from channels.outbox import read_outbox
from channels.visit import VisitNoticeChannel
from dispatcher.calls_and_visits.dispositions import NotOnTheCall, OutcomeConflict
from dispatcher.calls_and_visits.visits import record_visit_outcome, visit_request
from dispatcher.client import DispatcherClient
from dispatcher.clock import ShiftedClock
from dispatcher.contactlog.store import ContactLog
from dispatcher.debtors.addresses import address_key
from dispatcher.errors import InvalidRequest
from dispatcher.process.worker import create_worker
from dispatcher.settings import Settings
from tests.dispatcher.conftest import ALLOWED_EVERYWHERE

NEW_YORK = ZoneInfo("America/New_York")
ADDRESS = {
    "name": "Maria Garcia",
    "lines": ["12 Elm Street", "Springfield, NJ"],
    "postal_code": "07081",
    "country": "US",
}
PHONES = {"c-1": "+12015550101", "c-2": "+12015550102"}


@dataclass
class Desk:
    settings: Settings
    client: DispatcherClient
    redis_url: str

    @property
    def log(self) -> ContactLog:
        return self.client.log

    async def run_worker(self) -> None:
        worker = create_worker(
            self.settings, redis_url=self.redis_url, clock=self.log.clock,
            poll_delay=0.002, handle_signals=False,
        )  # fmt: skip
        await worker.run_until_idle(horizon_s=0.5)

    def notices(self) -> list[dict[str, Any]]:
        return read_outbox(self.settings.data_dir / "outbox.jsonl")


@pytest.fixture
async def desk(tmp_path: Path, engine: AsyncEngine, redis_url: str) -> AsyncIterator[Desk]:
    """No Twilio settings: texts go to the local outbox. Two trained collectors, a debtor."""
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=url, redis_url=redis_url)
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    log = ContactLog(engine, ShiftedClock(ALLOWED_EVERYWHERE))
    for collector_id, phone in PHONES.items():
        await log.collectors.upsert(
            collector_id, name=f"Collector {collector_id}", phone=phone, team="north",
            trained_on=date(2026, 1, 5), credential_expires=date(2027, 1, 4),
        )  # fmt: skip
    await log.upsert_debtor("D-1", country="US", region="NJ", time_zone="America/New_York")
    yield Desk(settings, DispatcherClient(settings, contact_log=log, redis=redis), redis_url)
    await redis.aclose()


def tomorrow_at_ten() -> datetime:
    return datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK)


async def plan(desk: Desk, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "debtor_ref": "D-1",
        "address": ADDRESS,
        "visit_at": tomorrow_at_ten(),
        "collector_ids": ["c-1", "c-2"],
        "locale": "en-US",
        "variables": {"debtor_name": "Maria Garcia"},
        "requested_by": "api:strategy-1",
        **overrides,
    }
    request = await visit_request(desk.log, **fields)
    return (await desk.client.send(request)).message_id


async def test_a_visit_needs_two_collectors(desk: Desk) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await plan(desk, collector_ids=["c-1"])
    assert [p.field for p in refused.value.problems] == ["collector_ids"]
    with pytest.raises(InvalidRequest) as refused:
        await plan(desk, visit_at=ALLOWED_EVERYWHERE - timedelta(hours=1))
    assert [p.field for p in refused.value.problems] == ["variables.visit_at"]


async def test_a_visit_texts_its_notice_to_each_collector(desk: Desk) -> None:
    message_id = await plan(desk)

    await desk.run_worker()

    visit = await desk.log.get(message_id)
    assert visit.status == "sent", visit.verdict
    assert (visit.provider, visit.provider_message_id) == ("visit", message_id)
    assert visit.destination == address_key(ADDRESS)
    notices = desk.notices()
    assert sorted(n["destination"] for n in notices) == sorted(PHONES.values())
    for notice in notices:
        assert notice["message_id"] == message_id
        assert "2026-12-01 10:00 EST" in notice["body"]
        assert "12 Elm Street, Springfield, NJ, 07081" in notice["body"]
        assert "Maria Garcia" in notice["body"]


async def test_a_do_not_visit_hold_blocks_the_visit_at_send_time(desk: Desk) -> None:
    message_id = await plan(desk)
    await desk.log.add_hold(
        kind="do_not_visit", debtor_ref="D-1", set_by="compliance:bo", source="api",
        reason="the debtor threatened collectors",
    )  # fmt: skip

    await desk.run_worker()

    visit = await desk.log.get(message_id)
    assert visit.status == "blocked"
    assert visit.verdict is not None and visit.verdict["rule_id"] == "hold.active"
    assert desk.notices() == []


async def test_the_visit_outcome_is_recorded_once_by_a_collector_on_it(desk: Desk) -> None:
    message_id = await plan(desk)
    with pytest.raises(OutcomeConflict, match="queued"):
        await record_visit_outcome(desk.log, message_id, by="c-1", went=["c-1"], result="visited")
    await desk.run_worker()

    with pytest.raises(NotOnTheCall):
        await record_visit_outcome(desk.log, message_id, by="c-9", went=["c-9"], result="visited")
    with pytest.raises(InvalidRequest) as refused:
        await record_visit_outcome(
            desk.log, message_id, by="c-1", went=["c-1", "c-7"], result="met", note="idiot"
        )
    assert {p.field for p in refused.value.problems} == {"went", "result", "note"}
    with pytest.raises(InvalidRequest) as too_early:  # the visit is tomorrow at 10:00
        await record_visit_outcome(desk.log, message_id, by="c-1", went=["c-1"], result="visited")
    assert [p.field for p in too_early.value.problems] == ["result"]
    assert "booked for" in too_early.value.problems[0].problem
    desk.log.clock = ShiftedClock(tomorrow_at_ten() + timedelta(hours=1))

    stored = await record_visit_outcome(
        desk.log, message_id, by="c-1", went=["c-1", "c-2"], result="visited",
        recording_ref="rec/2026/12/01/visit-1.mp4", note="agreed a payment plan",
    )  # fmt: skip

    visit = await desk.log.get(message_id)
    assert (visit.status, visit.result) == ("delivered", "visited")
    assert visit.recording_ref == "rec/2026/12/01/visit-1.mp4"
    assert visit.disposition == stored
    assert stored["went"] == ["c-1", "c-2"] and stored["kind"] == "right_party"
    with pytest.raises(OutcomeConflict, match="already"):
        await record_visit_outcome(desk.log, message_id, by="c-2", went=["c-2"], result="not_met")


class FlakySms:
    """An SMS channel that refuses one number, as a provider would."""

    def __init__(self, refuse: str, error: ChannelError) -> None:
        self.refuse, self.error = refuse, error
        self.sent: list[str] = []

    @property
    def provider(self) -> str:
        return "fake"

    async def send(self, message: OutgoingMessage) -> Receipt:
        if message.destination == self.refuse:
            raise self.error
        self.sent.append(message.destination)
        return Receipt("fake", f"SM{len(self.sent)}", DeliveryStatus.ACCEPTED)

    async def aclose(self) -> None:
        pass


@pytest.mark.parametrize(
    "error",
    [
        TransientChannelError("429", "too many requests"),
        PermanentChannelError("21610", "unsubscribed", recipient_opted_out=True),
    ],
)
async def test_a_collector_not_reached_fails_the_notice_as_the_sms_did(
    error: ChannelError,
) -> None:
    sms = FlakySms(PHONES["c-2"], error)
    visit = OutgoingMessage(
        message_id="V1", destination="", body="Visit notice",
        collectors=tuple(CollectorContact(c, c, p) for c, p in PHONES.items()),
    )  # fmt: skip
    with pytest.raises(type(error)) as raised:
        await VisitNoticeChannel(sms).send(visit)
    assert "c-2" in raised.value.text and sms.sent == [PHONES["c-1"]]
    assert not getattr(raised.value, "recipient_opted_out", False)
