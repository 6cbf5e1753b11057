"""A debtor's phones, home address and accounts in the contact log, and what the rules get
from them: stored validated (every problem named by its field), read back under the lock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import FrozenClock
from dispatcher.contactlog.models import Account, Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.errors import InvalidRequest
from dispatcher.sending.pipeline import RenderOutcome, subject_for

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
PHONES = [
    {"number": "+1 212 555 0134", "type": "mobile", "consent": True,
     "consent_at": "2026-01-05T10:00:00-05:00"},
    {"number": "(212) 555-0199", "type": "work"},
]  # fmt: skip
ADDRESS = {"lines": ["1 Main St"], "postal_code": "94105", "country": "US", "region": "CA"}


@pytest.fixture
def log(engine: AsyncEngine) -> ContactLog:
    return ContactLog(engine, FrozenClock(NOW))


def fields_of(exc: pytest.ExceptionInfo[InvalidRequest]) -> list[str]:
    return [p.field for p in exc.value.problems]


async def test_phones_and_address_are_stored_normalised(log: ContactLog) -> None:
    await log.upsert_debtor("D-1", locale="en-US", phones=PHONES, address=ADDRESS)
    async with log.debtor_session("D-1") as session:
        debtor = session.debtor
    assert debtor is not None
    assert debtor.phones == [
        {"number": "+12125550134", "type": "mobile", "consent": True,
         "consent_at": "2026-01-05T15:00:00+00:00"},
        {"number": "+12125550199", "type": "work", "consent": False},
    ]  # fmt: skip
    assert debtor.address == ADDRESS

    await log.upsert_debtor("D-1", locale="en-US")  # a replace: left out is cleared
    async with log.debtor_session("D-1") as session:
        assert session.debtor is not None
        assert (session.debtor.phones, session.debtor.address) == (None, None)


async def test_every_problem_names_its_field(log: ContactLog) -> None:
    phones: list[dict[str, Any]] = [
        {"number": "+12125550134", "type": "mobile"},
        {"number": "+12125550135", "type": "pager"},
        {"number": "12", "type": "home", "consent": "yes"},
        {"number": "+12125550134", "type": "home", "fax": True},
        {"number": "+12125550136", "type": "home", "consent_at": "2026-01-05"},
    ]
    address = {"lines": [], "country": "USA", "region": "California"}
    with pytest.raises(InvalidRequest) as exc:
        await log.upsert_debtor("D-1", locale="en-US", phones=phones, address=address)
    assert fields_of(exc) == [
        "phones[1].type", "phones[2].number", "phones[2].consent", "phones[3]",
        "phones[4].consent_at", "address.lines", "address.country", "address.region",
    ]  # fmt: skip
    with pytest.raises(InvalidRequest) as exc:
        await log.upsert_debtor(
            "D-1", phones=[{"number": "+12125550134", "type": "home"}] * 2,
            address={"lines": ["x"], "country": "US", "region": "ZZ"},
        )  # fmt: skip
    assert fields_of(exc) == ["phones[1].number", "address.region"]
    async with log.debtor_session("D-1") as session:
        assert session.debtor is None  # nothing was written


async def test_accounts_are_upserted_exactly(log: ContactLog, engine: AsyncEngine) -> None:
    await log.upsert_account("D-1", "A-1", amount="1240.10", currency="USD", days_overdue=13)
    await log.upsert_account("D-1", "A-2", amount=99, currency="USD", days_overdue=0)
    await log.upsert_account("D-1", "A-1", amount=Decimal("1300.05"), currency="USD",
                             days_overdue=20)  # fmt: skip
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Account).order_by(Account.account_ref))).all()
    assert [(r.account_ref, r.amount, r.days_overdue) for r in rows] == [
        ("A-1", Decimal("1300.05"), 20),
        ("A-2", Decimal("99.00"), 0),
    ]
    assert all(r.updated_at == NOW for r in rows)
    with pytest.raises(InvalidRequest) as exc:
        await log.upsert_account("D-1", "A-3", amount="1.005", currency="usd", days_overdue=-1)
    assert fields_of(exc) == ["amount", "currency", "days_overdue"]


async def test_the_rules_see_the_number_type_consent_and_address(log: ContactLog) -> None:
    await log.upsert_debtor("D-1", locale="en-US", phones=PHONES, address=ADDRESS)
    message = Message(
        id="m-1", channel="voice", debtor_ref="D-1", account_ref="A-1",
        destination="+12125550134", locale="en-US", template_name="reminder_call",
        requested_by="strategy", variables={}, collector_ids=None, address=None,
    )  # fmt: skip
    async with log.debtor_session("D-1") as session:
        seen = subject_for(message, RenderOutcome(None, "x"), session, session.debtor, now=NOW)
        to_work = subject_for(
            Message(**{**_columns(message), "destination": "+12125550199"}),
            RenderOutcome(None, "x"), session, session.debtor, now=NOW,
        )  # fmt: skip
        unknown = subject_for(message, RenderOutcome(None, "x"), session, None, now=NOW)
    assert (seen.destination_type, seen.destination_consent) == ("mobile", True)
    assert seen.other_numbers == ("+12125550199",)
    assert (seen.debtor_address_country, seen.debtor_address_region) == ("US", "CA")
    assert (to_work.destination_type, to_work.destination_consent) == ("work", False)
    assert (unknown.destination_type, unknown.destination_consent) == (None, False)
    assert seen.packs == ("us-regf", "org")  # a California home: Reg F and company policy


async def test_a_massachusetts_home_address_brings_the_massachusetts_pack(log: ContactLog) -> None:
    await log.upsert_debtor(
        "D-1", locale="en-US", phones=PHONES, address={**ADDRESS, "region": "MA"}
    )
    message = Message(
        id="01M8H5STQR0ACD1X2WSFEHS8P5", idempotency_key="k", debtor_ref="D-1",
        account_ref="A-1", channel="sms", template_name="overdue_reminder",
        template_version="v", locale="en-US", destination="+12125550134",
        created_at=NOW, scheduled_for=NOW, valid_until=NOW, updated_at=NOW, status="queued",
        attempts=0, requested_by="strategy", variables={}, collector_ids=None, address=None,
    )  # fmt: skip
    async with log.debtor_session("D-1") as session:
        subject = subject_for(message, RenderOutcome(None, "x"), session, session.debtor, now=NOW)
    assert "us-ma" in subject.packs


def _columns(message: Message) -> dict[str, Any]:
    return {c.key: getattr(message, c.key) for c in Message.__table__.columns}
